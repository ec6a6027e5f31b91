import { describe, expect, it } from "vitest";
import { firstInvalid, Utf8Decoder } from "./utf8.js";

describe("Utf8Decoder", () => {
  it("decodes characters split across every possible chunk boundary", () => {
    const text = "a\n中文😀é\nend";
    const bytes = Buffer.from(text);
    for (let cut = 0; cut <= bytes.length; cut++) {
      for (let cut2 = cut; cut2 <= bytes.length; cut2++) {
        const d = new Utf8Decoder("f");
        const out =
          d.decode(bytes.subarray(0, cut)) + d.decode(bytes.subarray(cut, cut2)) + d.decode(bytes.subarray(cut2));
        d.end();
        expect(out).toBe(text);
        expect(d.newlines).toBe(2);
      }
    }
  });

  it("names the file and line of an invalid byte, even in a later chunk", () => {
    const d = new Utf8Decoder("data.txt");
    d.decode(Buffer.from("one\ntwo\n"));
    expect(() => d.decode(Buffer.from([0x74, 0x68, 0x0a, 0x72, 0xff, 0x0a]))).toThrow(
      /data\.txt:4: invalid UTF-8 \(byte 0xff/,
    );
  });

  it("rejects overlong forms, surrogates and a truncated final character", () => {
    expect(firstInvalid(Buffer.from([0x41, 0xc0, 0x80]))).toBe(1); // overlong NUL
    expect(firstInvalid(Buffer.from([0xed, 0xa0, 0x80]))).toBe(0); // UTF-16 surrogate
    expect(firstInvalid(Buffer.from("ok 中"))).toBe(6);
    const d = new Utf8Decoder("t.txt");
    d.decode(Buffer.from([0x61, 0xe4, 0xb8]));
    expect(() => d.end()).toThrow(/t\.txt:1: .*ends inside a multi-byte character/);
  });
});
