import { describe, expect, it } from "vitest";
import { logprobTable } from "./logprobs.js";
import { buildTokenPieces, displayBytes, TOKEN_TYPE } from "./token-bytes.js";

describe("buildTokenPieces", () => {
  it("rebuilds SentencePiece pieces: byte fallback, ▁ as space, hidden control tokens", () => {
    const pieces = buildTokenPieces({
      model: "llama",
      tokens: ["<unk>", "<s>", "</s>", "<0xE4>", "<0x41>", "\u2581world", "<|im_end|>"],
      tokenTypes: [
        TOKEN_TYPE.UNKNOWN,
        TOKEN_TYPE.CONTROL,
        TOKEN_TYPE.CONTROL,
        TOKEN_TYPE.BYTE,
        TOKEN_TYPE.BYTE,
        TOKEN_TYPE.NORMAL,
        TOKEN_TYPE.USER_DEFINED,
      ],
    });
    expect(pieces).not.toBeNull();
    const p = pieces ?? [];
    expect(Array.from(p[1]?.bytes ?? [])).toEqual([]);
    expect(p[1]?.display).toBe("<s>");
    expect(Array.from(p[3]?.bytes ?? [])).toEqual([0xe4]);
    expect(p[3]?.display).toBe("bytes:\\xe4");
    expect(p[4]?.display).toBe("A");
    expect(new TextDecoder().decode(p[5]?.bytes)).toBe(" world");
    expect(new TextDecoder().decode(p[6]?.bytes)).toBe("<|im_end|>");
  });

  it("rebuilds GPT-2 byte-level pieces", () => {
    const pieces = buildTokenPieces({
      model: "gpt2",
      tokens: ["\u0120hello", "ä½ł", "<|endoftext|>"],
      tokenTypes: [1, 1, 3],
    });
    const p = pieces ?? [];
    expect(new TextDecoder().decode(p[0]?.bytes)).toBe(" hello");
    expect(Array.from(p[1]?.bytes ?? [])).toEqual([0xe4, 0xbd, 0xa0]); // 你
    expect(p[1]?.display).toBe("你");
    expect(p[2]?.bytes.length).toBe(0);
  });

  it("declines tokenizer families it does not know", () => {
    expect(buildTokenPieces({ model: "bert", tokens: ["a"] })).toBeNull();
  });

  it("shows invalid UTF-8 with OpenAI's bytes: prefix", () => {
    expect(displayBytes(Uint8Array.of(0xe4, 0xbd))).toBe("bytes:\\xe4\\xbd");
    expect(displayBytes(Uint8Array.of(0x68, 0x69))).toBe("hi");
  });
});

describe("logprobTable", () => {
  const raw = new Map([
    [5, 0.5],
    [7, 0.3],
    [9, 0.2],
  ]);

  it("takes logs of the model's probabilities at temperature 0", () => {
    const t = logprobTable(raw, 0);
    expect(t.logprob(7)).toBeCloseTo(Math.log(0.3), 12);
    expect(t.top(2)).toEqual([
      { id: 5, logprob: Math.log(0.5) },
      { id: 7, logprob: Math.log(0.3) },
    ]);
    expect(t.logprob(1234)).toBe(-9999);
  });

  it("undoes the temperature: softmax(logit / T) → log softmax(logit)", () => {
    const T = 0.7;
    const hot = new Map<number, number>();
    let z = 0;
    for (const p of raw.values()) z += p ** (1 / T);
    for (const [id, p] of raw) hot.set(id, p ** (1 / T) / z);
    const t = logprobTable(hot, T);
    for (const [id, p] of raw) expect(t.logprob(id)).toBeCloseTo(Math.log(p), 10);
  });

  it("sorts an unsorted list", () => {
    const t = logprobTable(
      new Map([
        [1, 0.1],
        [2, 0.6],
        [3, 0.3],
      ]),
      0,
    );
    expect(t.top(3).map((e) => e.id)).toEqual([2, 3, 1]);
  });
});
