// Our tokenizer against llama.cpp's own (node-llama-cpp): the same token ids for thousands of
// seeded random strings, and lossless round trips on both sides. Models are tiny GGUFs written by our
// GGUF writer with the trained vocabulary (loaded vocabulary-only).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { getLlama, type Llama, LlamaLogLevel, type LlamaModel, type Token } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildLlamaGguf, byteVocab, mulberry32, randomLlamaWeights, TINY_LLAMA } from "../src/formats/gguf/index.js";
import {
  CHATML_TOKENS,
  PIECE_TYPE,
  SpmTokenizer,
  type TokenizerData,
  toGgufVocab,
  tokenizerGgufMetadata,
  trainTokenizer,
} from "../src/train/tokenizer/index.js";
import { PieceGuard } from "../src/train/tokenizer/rules.js";
import { randomTexts } from "./fixtures/tokenizer/random-text.js";

const CORPUS = ["tang-poems.txt", "kjv-genesis.txt"].map((f) =>
  path.resolve(import.meta.dirname, "../data/corpora", f),
);
const corpusText = CORPUS.map((f) => readFileSync(f, "utf8")).join("");
const STRINGS_PER_VOCAB = 2500;

let dir: string;
let llama: Llama;
const opened: LlamaModel[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "llmops-tokenizer-llama-"));
  llama = await getLlama({ gpu: false, build: "never", maxThreads: 1, logLevel: LlamaLogLevel.error });
});

afterAll(async () => {
  for (const model of opened) await model.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * Writes a tiny llama GGUF with this vocabulary and loads it in llama.cpp, the tokenizer embedded
 * either as buildLlamaGguf's `vocab` or -- over a placeholder vocabulary -- as tokenizerGgufMetadata.
 */
async function llamaCppWith(data: TokenizerData, name: string, via: "vocab" | "metadata"): Promise<LlamaModel> {
  const hparams = { ...TINY_LLAMA, nVocab: data.pieces.length };
  const file = path.join(dir, `${name}.gguf`);
  const placeholder = {
    ...toGgufVocab(data),
    tokens: data.pieces.map((_, i) => `placeholder${i}`),
    scores: data.pieces.map(() => 0),
    tokenTypes: data.pieces.map(() => PIECE_TYPE.NORMAL),
  };
  await buildLlamaGguf(file, {
    hparams,
    vocab: via === "vocab" ? toGgufVocab(data) : placeholder,
    type: "F32",
    weights: randomLlamaWeights(hparams, 1),
    ...(via === "metadata" ? { extraMetadata: tokenizerGgufMetadata(data) } : {}),
  });
  const model = await llama.loadModel({ modelPath: file, vocabOnly: true });
  opened.push(model);
  return model;
}

function compare(tok: SpmTokenizer, model: LlamaModel, texts: readonly string[]) {
  const mismatches: string[] = [];
  let ourRoundTrip = 0;
  let llamaRoundTrip = 0;
  let tokens = 0;
  for (const text of texts) {
    const ours = tok.encode(text);
    const theirs = model.tokenize(text);
    tokens += ours.length;
    if (ours.length !== theirs.length || ours.some((id, i) => id !== theirs[i])) mismatches.push(JSON.stringify(text));
    if (tok.decode(ours) !== text) ourRoundTrip++;
    if (model.detokenize(theirs) !== text) llamaRoundTrip++;
  }
  return { mismatches: mismatches.slice(0, 5), mismatchCount: mismatches.length, ourRoundTrip, llamaRoundTrip, tokens };
}

describe("our tokenizer and llama.cpp's agree", () => {
  for (const [vocabSize, chatml, via] of [
    [300, false, "vocab"],
    [1000, true, "metadata"],
    [4000, false, "vocab"],
  ] as const) {
    it(`on ${STRINGS_PER_VOCAB} random strings with a trained vocabulary of ${vocabSize}${chatml ? " (ChatML)" : ""}`, async () => {
      const { data } = await trainTokenizer({ files: CORPUS, vocabSize, ...(chatml ? CHATML_TOKENS : {}) });
      const tok = new SpmTokenizer(data);
      const model = await llamaCppWith(data, `trained-${vocabSize}`, via);
      expect(model.tokens.bos).toBe(1);
      expect(model.tokens.eos).toBe(data.special.eos);
      const texts = [
        ...randomTexts(vocabSize, STRINGS_PER_VOCAB, corpusText),
        "",
        " ",
        "   leading and trailing   ",
        "\t\n\r\n\u0000\u001b",
        corpusText.slice(0, 5000),
        "<s></s><unk><0x41><|im_start|>user\n<|im_end|>",
      ];
      const result = compare(tok, model, texts);
      expect(result).toMatchObject({ mismatches: [], ourRoundTrip: 0, llamaRoundTrip: 0 });
      expect(result.tokens).toBeGreaterThan(texts.length);

      // Decoding any id sequence gives the same text, control tokens dropped or shown. (Byte tokens
      // go in whole characters: a broken UTF-8 sequence becomes U+FFFD on both sides, but V8 and
      // TextDecoder do not replace an invalid run with the same number of them.)
      const rnd = mulberry32(vocabSize);
      const wholeIds = data.pieces.flatMap((_, id) => (data.types[id] === PIECE_TYPE.BYTE ? [] : [id]));
      const bytesOf = (ch: string) =>
        Array.from(Buffer.from(ch), (b) => tok.pieceId(`<0x${b.toString(16).toUpperCase()}>`)!);
      for (let i = 0; i < 300; i++) {
        const ids: number[] = [];
        for (let n = 1 + Math.floor(rnd() * 12); n > 0; n--) {
          if (rnd() < 0.2) ids.push(...bytesOf(rnd() < 0.5 ? "é" : "😀"));
          else ids.push(wholeIds[Math.floor(rnd() * wholeIds.length)]!);
        }
        expect(tok.decode(ids)).toBe(model.detokenize(ids as Token[]));
        expect(tok.decode(ids, { special: true })).toBe(model.detokenize(ids as Token[], true));
      }
    });
  }

  it("with a vocabulary trained on random Unicode text (emoji, controls, U+0000, every script)", async () => {
    const corpus = path.join(dir, "random-corpus.txt");
    writeFileSync(corpus, randomTexts(99, 20_000).join("\n"));
    const { data } = await trainTokenizer({ files: [corpus], vocabSize: 1500 });
    expect(data.pieces.some((p) => p.includes("\0"))).toBe(false);
    expect(data.pieces.some((p) => /\p{Extended_Pictographic}/u.test(p))).toBe(true);
    const tok = new SpmTokenizer(data);
    const model = await llamaCppWith(data, "random-trained", "vocab");
    const result = compare(tok, model, randomTexts(98, 2000, corpusText));
    expect(result).toMatchObject({ mismatches: [], ourRoundTrip: 0, llamaRoundTrip: 0 });
  });

  it("with hand-made vocabularies full of tied scores and pieces no merge order reaches", async () => {
    // Random pieces from the corpus and random symbols with few distinct scores, so ties (broken
    // leftmost) and pieces whose halves are not pieces are everywhere.
    for (const seed of [1, 2, 3]) {
      const rnd = mulberry32(seed);
      const base = byteVocab();
      const pieces = [...base.tokens];
      const types: number[] = [...base.tokenTypes];
      const guard = new PieceGuard(base.tokens.filter((_, i) => base.tokenTypes[i] !== PIECE_TYPE.NORMAL));
      const seen = new Set(pieces);
      while (pieces.length < 3000) {
        const at = Math.floor(rnd() * (corpusText.length - 10));
        let piece = Array.from(corpusText.slice(at, at + 1 + Math.floor(rnd() * 5)))
          .join("")
          .replaceAll(" ", "▁");
        if (rnd() < 0.1)
          piece = String.fromCodePoint(0x1f600 + Math.floor(rnd() * 40)).repeat(1 + Math.floor(rnd() * 2));
        if (seen.has(piece) || (Array.from(piece).length > 1 && !guard.allows(piece))) continue;
        seen.add(piece);
        pieces.push(piece);
        types.push(PIECE_TYPE.NORMAL);
      }
      const scores = pieces.map((_, i) => (types[i] === PIECE_TYPE.NORMAL ? -Math.floor(rnd() * 8) - rnd() * 0.5 : 0));
      const data: TokenizerData = {
        format: "llmops.tokenizer",
        version: 1,
        model: "llama",
        pieces,
        scores,
        types: types as TokenizerData["types"],
        special: { unk: 0, bos: 1, eos: 2, pad: null },
        addBos: true,
        addEos: false,
        normalizer: { escapeWhitespace: true, addSpacePrefix: false, byteFallback: true },
        training: null,
        corpus: [],
      };
      const tok = new SpmTokenizer(data);
      const model = await llamaCppWith(data, `random-${seed}`, "vocab");
      const result = compare(tok, model, randomTexts(100 + seed, 1500, corpusText));
      expect(result).toMatchObject({ mismatches: [], ourRoundTrip: 0, llamaRoundTrip: 0 });
    }
  });

  it("comparing scores as float32, as llama.cpp does", async () => {
    // -1 - 1e-9 and -1 are different doubles but the same float32: a tie, so the leftmost pair wins.
    const base = byteVocab();
    const extra: Array<[string, number]> = [
      ["a", -5],
      ["b", -5],
      ["c", -5],
      ["ab", -1 - 1e-9],
      ["bc", -1],
    ];
    const data: TokenizerData = {
      format: "llmops.tokenizer",
      version: 1,
      model: "llama",
      pieces: [...base.tokens, ...extra.map((e) => e[0])],
      scores: [...base.scores, ...extra.map((e) => e[1])],
      types: [...base.tokenTypes, ...extra.map(() => PIECE_TYPE.NORMAL)] as TokenizerData["types"],
      special: { unk: 0, bos: 1, eos: 2, pad: null },
      addBos: true,
      addEos: false,
      normalizer: { escapeWhitespace: true, addSpacePrefix: false, byteFallback: true },
      training: null,
      corpus: [],
    };
    const tok = new SpmTokenizer(data);
    const model = await llamaCppWith(data, "float32", "vocab");
    const ab = tok.pieceId("ab")!;
    expect(tok.encode("abc")).toEqual([ab, tok.pieceId("c")]);
    expect(model.tokenize("abc")).toEqual(tok.encode("abc"));
  });

  it("on text no tokenizer of this kind can round-trip, the same way", async () => {
    const { data } = await trainTokenizer({ files: CORPUS, vocabSize: 1000 });
    const tok = new SpmTokenizer(data);
    const model = await llamaCppWith(data, "edge", "vocab");
    // U+2581 is how pieces spell a space, so it decodes as a space -- in llama.cpp too.
    for (const text of ["a▁b", "▁", "▁▁x "]) {
      expect(tok.encode(text)).toEqual(model.tokenize(text));
      expect(tok.decode(tok.encode(text))).toBe(text.replaceAll("▁", " "));
      expect(model.detokenize(model.tokenize(text))).toBe(text.replaceAll("▁", " "));
    }
    // A lone surrogate is not Unicode text: both sides see U+FFFD.
    for (const text of ["a\ud800b", "\udfff", "x\ud83d"]) {
      expect(tok.encode(text)).toEqual(model.tokenize(text));
      expect(tok.decode(tok.encode(text))).toBe(text.replace(/[\ud800-\udfff]/g, "\ufffd"));
    }
  });
});
