import { describe, expect, it } from "vitest";
import { run, values } from "../testing.js";
import { emailDetector } from "./email.js";

describe("email detector", () => {
  it("finds addresses in Chinese and English text, touching CJK punctuation", () => {
    expect(values(emailDetector, "邮箱：zhang.san+news@example.com.cn。")).toEqual(["zhang.san+news@example.com.cn"]);
    expect(values(emailDetector, "write to Jose_Kerluke@gmail.com, thanks")).toEqual(["Jose_Kerluke@gmail.com"]);
    expect(values(emailDetector, '{"email":"a.b@c.io"}')).toEqual(["a.b@c.io"]);
  });

  it("matches full-width addresses and reports offsets in the original text", () => {
    const text = "邮箱ｚｈａｎｇ＠ｑｑ．ｃｏｍ谢谢";
    const [hit] = run(emailDetector, text);
    expect(hit?.value).toBe("ｚｈａｎｇ＠ｑｑ．ｃｏｍ");
    expect(hit?.d.start).toBe(2);
  });

  it("counts UTF-16 code units after emoji and astral characters", () => {
    const text = "😀𠮷 x@y.org";
    const [hit] = run(emailDetector, text);
    expect(hit?.d.start).toBe(5);
    expect(text.slice(hit!.d.start, hit!.d.end)).toBe("x@y.org");
  });

  it("rejects malformed local parts, missing TLDs and logins inside URLs", () => {
    expect(values(emailDetector, "a..b@example.com x.@example.com user@localhost @mention")).toEqual([]);
    expect(values(emailDetector, "https://alice:secret@example.com/ and ftp://bob@example.org")).toEqual([]);
    expect(values(emailDetector, "mailto:support@example.com")).toEqual(["support@example.com"]);
  });
});
