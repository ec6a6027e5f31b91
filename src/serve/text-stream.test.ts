import { describe, expect, it } from "vitest";
import { findStop, OutputAssembler, stopPrefixLength, Utf8StreamDecoder } from "./text-stream.js";

const enc = new TextEncoder();
const whatwg = (bytes: Uint8Array) => new TextDecoder("utf-8", { fatal: false }).decode(bytes);

/** Small seeded PRNG so failures reproduce. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Splits bytes into random pieces of 1–4 bytes, like tokens of a byte-fallback vocabulary. */
function split(bytes: Uint8Array, rand: () => number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let i = 0;
  while (i < bytes.length) {
    const n = 1 + Math.floor(rand() * 4);
    out.push(bytes.slice(i, i + n));
    i += n;
  }
  return out;
}

describe("Utf8StreamDecoder", () => {
  it("holds a character split over tokens until it is complete", () => {
    const d = new Utf8StreamDecoder();
    const [a, b, c] = enc.encode("你");
    expect(d.decode([a as number])).toBe("");
    expect(d.hasPending).toBe(true);
    expect(d.decode([b as number])).toBe("");
    expect(d.decode([c as number])).toBe("你");
    expect(d.hasPending).toBe(false);
    expect(d.flush()).toBe("");
  });

  it("turns a dangling partial character into U+FFFD at the end", () => {
    const d = new Utf8StreamDecoder();
    expect(d.decode([0x41, 0xf0, 0x9f])).toBe("A");
    expect(d.flush()).toBe("\uFFFD");
  });

  it("matches the WHATWG decoder on random bytes however they are split", () => {
    const rand = rng(7);
    for (let round = 0; round < 2000; round++) {
      const bytes = Uint8Array.from({ length: Math.floor(rand() * 24) }, () =>
        // Bias towards interesting bytes: continuation, lead and invalid ones.
        rand() < 0.5 ? 0x80 + Math.floor(rand() * 0x80) : Math.floor(rand() * 256),
      );
      const d = new Utf8StreamDecoder();
      let text = "";
      for (const piece of split(bytes, rand)) text += d.decode(piece);
      text += d.flush();
      expect(text).toBe(whatwg(bytes));
    }
  });
});

describe("stop strings", () => {
  it("finds the earliest stop and the longest held prefix", () => {
    expect(findStop("abcSTOPxEND", ["END", "STOP"])).toBe(3);
    expect(findStop("abc", ["x"])).toBe(-1);
    expect(stopPrefixLength("helloST", ["STOP"])).toBe(2);
    expect(stopPrefixLength("hello", ["STOP"])).toBe(0);
    expect(stopPrefixLength("aa", ["ab"])).toBe(1);
  });
});

function run(pieces: Array<string | number[]>, stops: string[]) {
  const a = new OutputAssembler<number>(stops);
  const texts: string[] = [];
  const items: number[] = [];
  pieces.forEach((p, i) => {
    if (a.stopped) return;
    const out = a.push(typeof p === "string" ? enc.encode(p) : p, i);
    texts.push(out.text);
    items.push(...out.items);
  });
  const tail = a.finish();
  texts.push(tail.text);
  items.push(...tail.items);
  return { texts, text: texts.join(""), items, stopped: a.stopped };
}

describe("OutputAssembler", () => {
  it("stops on a stop string spread over several tokens and never emits it", () => {
    const r = run(["ab", "ST", "O", "P", "cd"], ["STOP"]);
    expect(r.text).toBe("ab");
    expect(r.stopped).toBe(true);
    expect(r.texts.slice(0, 3)).toEqual(["ab", "", ""]);
    expect(r.items).toEqual([0]); // tokens that start inside the stop string are not reported
  });

  it("cuts a stop string inside one token", () => {
    const r = run(["helloSTOPworld"], ["STOP"]);
    expect(r.text).toBe("hello");
    expect(r.items).toEqual([0]);
  });

  it("releases a held prefix when it turns out not to be a stop", () => {
    const r = run(["abS", "x"], ["STOP"]);
    expect(r.texts[0]).toBe("ab");
    expect(r.text).toBe("abSx");
    expect(r.stopped).toBe(false);
    expect(r.items).toEqual([0, 1]);
  });

  it("handles overlapping false starts", () => {
    expect(run(["a", "a", "b"], ["ab"]).text).toBe("a");
    expect(run(["x", "aa", "a", "b", "!"], ["aab"]).text).toBe("xa");
  });

  it("matches stop strings made of multibyte characters split mid-character", () => {
    const bytes = Array.from(enc.encode("前你好后"));
    const pieces = bytes.map((b) => [b]);
    const r = run(pieces, ["你好"]);
    expect(r.text).toBe("前");
    expect(r.stopped).toBe(true);
  });

  it("reports a partial-character token together with the token that completes it", () => {
    const [a, b, c] = enc.encode("你");
    const asm = new OutputAssembler<string>([]);
    expect(asm.push([a as number], "t1")).toEqual({ text: "", items: [] });
    expect(asm.push([b as number, c as number], "t2")).toEqual({ text: "你", items: ["t1", "t2"] });
  });

  it("never throws on invalid UTF-8 and replaces it", () => {
    const r = run([[0xff], [0xe4, 0xbd], "x", [0xc0, 0xaf], [0xf0]], []);
    expect(r.text).toBe("\uFFFD\uFFFDx\uFFFD\uFFFD\uFFFD");
    expect(r.items).toEqual([0, 1, 2, 3, 4]);
  });

  it("agrees with decode-then-cut on random byte streams and stops", () => {
    const rand = rng(42);
    const alphabet = ["a", "b", "S", "T", "你", "好", "🙂", "\n"];
    for (let round = 0; round < 1500; round++) {
      let text = "";
      const n = Math.floor(rand() * 20);
      for (let i = 0; i < n; i++) text += alphabet[Math.floor(rand() * alphabet.length)];
      const bytes = enc.encode(text);
      if (rand() < 0.3 && bytes.length > 0) bytes[Math.floor(rand() * bytes.length)] = 0x80 + Math.floor(rand() * 0x80);
      const stops = Array.from({ length: Math.floor(rand() * 3) }, () => {
        let s = "";
        const len = 1 + Math.floor(rand() * 3);
        for (let i = 0; i < len; i++) s += alphabet[Math.floor(rand() * alphabet.length)];
        return s;
      });
      const full = whatwg(bytes);
      const at = findStop(full, stops);
      const expected = at >= 0 ? full.slice(0, at) : full;
      const r = run(
        split(bytes, rand).map((p) => Array.from(p)),
        stops,
      );
      expect(r.text, JSON.stringify({ text, stops })).toBe(expected);
      expect(r.stopped).toBe(at >= 0);
      for (const s of stops) expect(r.text.includes(s)).toBe(false);
    }
  });
});
