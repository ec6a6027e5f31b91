// Tokenizer training, the file format and bad input, without llama.cpp (see
// tokenizer-llama.test.ts for the comparison with llama.cpp's own tokenizer).
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlmopsError } from "../src/errors.js";
import { TOKEN_TYPE } from "../src/formats/gguf/index.js";
import { scanUtf8 } from "../src/train/tokenizer/corpus.js";
import {
  CHATML_TOKENS,
  loadTokenizer,
  minimumVocabSize,
  parseTokenizerJson,
  readTokenizerFile,
  SpmTokenizer,
  serializeTokenizer,
  type TokenizerData,
  type TrainTokenizerResult,
  toGgufVocab,
  tokenizerGgufMetadata,
  trainTokenizer,
  writeTokenizerFile,
} from "../src/train/tokenizer/index.js";
import { forEachChunk } from "../src/train/tokenizer/pretokenize.js";
import { randomTexts } from "./fixtures/tokenizer/random-text.js";

const TANG = path.resolve(import.meta.dirname, "../data/corpora/tang-poems.txt");
const KJV = path.resolve(import.meta.dirname, "../data/corpora/kjv-genesis.txt");
const CORPUS = [TANG, KJV];
const corpusText = CORPUS.map((f) => readFileSync(f, "utf8")).join("");

let dir: string;
const trained = new Map<number, TrainTokenizerResult>();

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "llmops-tokenizer-"));
  for (const vocabSize of [300, 1000, 4000]) trained.set(vocabSize, await trainTokenizer({ files: CORPUS, vocabSize }));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<LlmopsError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LlmopsError);
  return error as LlmopsError;
}

function file(name: string, content: string | Uint8Array): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

describe("training", () => {
  it("lays out <unk> <s> </s>, 256 byte pieces, then learned pieces with merges scored in learning order", () => {
    for (const [vocabSize, { data, stats }] of trained) {
      expect(data.pieces).toHaveLength(vocabSize);
      expect(data.pieces.slice(0, 3)).toEqual(["<unk>", "<s>", "</s>"]);
      expect(data.types.slice(0, 3)).toEqual([TOKEN_TYPE.UNKNOWN, TOKEN_TYPE.CONTROL, TOKEN_TYPE.CONTROL]);
      expect(data.special).toEqual({ unk: 0, bos: 1, eos: 2, pad: null });
      for (let b = 0; b < 256; b++) {
        expect(data.pieces[3 + b]).toBe(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
        expect(data.types[3 + b]).toBe(TOKEN_TYPE.BYTE);
      }
      expect(data.types.slice(259).every((t) => t === TOKEN_TYPE.NORMAL)).toBe(true);
      expect(data.pieces).toContain("▁");
      expect(data.normalizer).toEqual({ escapeWhitespace: true, addSpacePrefix: false, byteFallback: true });
      // Merges first (scores 0, -1, …), then characters, all strictly decreasing.
      const normal = data.scores.slice(259);
      expect(normal.every((s, i) => i === 0 || s < normal[i - 1]!)).toBe(true);
      expect(stats.mergedPieces + stats.characterPieces).toBe(vocabSize - 259);
      expect(stats.mergedPieces).toBeGreaterThan(0);
      // llama.cpp's highest-score-first encoding reproduces the trainer's own segmentation.
      expect(stats.segmentationAgreement).toBeGreaterThan(0.99);
      expect(data.corpus.map((c) => c.name)).toEqual(["tang-poems.txt", "kjv-genesis.txt"]);
      expect(data.corpus[0]!.sha256).toBe(createHash("sha256").update(readFileSync(TANG)).digest("hex"));
    }
  });

  it("learns words and frequent Chinese pairs, and compresses better with a larger vocabulary", () => {
    const big = trained.get(4000)!;
    for (const piece of ["▁the", "▁and", "▁LORD", "歌辭"]) expect(big.data.pieces).toContain(piece);
    const tokens = [300, 1000, 4000].map((v) => trained.get(v)!.stats.tokens);
    expect(tokens[0]).toBeGreaterThan(tokens[1]!);
    expect(tokens[1]).toBeGreaterThan(tokens[2]!);
    // Rare characters fall back to bytes: the coverage stays below 1 on this corpus.
    expect(big.stats.coverage).toBeGreaterThan(0.97);
    expect(big.stats.coverage).toBeLessThan(1);
    expect(big.stats.characterPieces).toBeLessThan(big.stats.distinctCharacters);
  });

  it("round-trips the corpus and random Unicode text exactly", () => {
    const texts = [corpusText.slice(0, 200_000), ...randomTexts(7, 500, corpusText)];
    for (const { data } of trained.values()) {
      const tok = new SpmTokenizer(data);
      for (const text of texts) expect(tok.decode(tok.encode(text))).toBe(text);
    }
  });

  it("is deterministic: the same corpus and settings give byte-identical files", async () => {
    const again = await trainTokenizer({ files: CORPUS, vocabSize: 1000 });
    expect(serializeTokenizer(again.data)).toBe(serializeTokenizer(trained.get(1000)!.data));
    const a = path.join(dir, "a.json");
    const b = path.join(dir, "b.json");
    await writeTokenizerFile(a, trained.get(1000)!.data);
    await writeTokenizerFile(b, again.data);
    expect(readFileSync(a)).toEqual(readFileSync(b));
  });

  it("streams: a corpus split into files at a line break learns the same pieces", async () => {
    const text = readFileSync(KJV, "utf8");
    const cut = text.indexOf("\n", text.length / 2) + 1;
    const parts = [file("part1.txt", text.slice(0, cut)), file("part2.txt", text.slice(cut))];
    const split = await trainTokenizer({ files: parts, vocabSize: 800 });
    const whole = await trainTokenizer({ files: [KJV], vocabSize: 800 });
    expect(split.data.pieces).toEqual(whole.data.pieces);
    expect(split.data.scores).toEqual(whole.data.scores);
  });

  it("keeps memory bounded: past maxDistinctChunks the rarest chunks are pruned", async () => {
    const progress: string[] = [];
    const { data, stats } = await trainTokenizer({
      files: [TANG],
      vocabSize: 600,
      maxDistinctChunks: 2000,
      onProgress: (p) =>
        progress.push(
          p.phase === "count" ? `count ${p.bytesRead}/${p.totalBytes}` : `merge ${p.pieces}/${p.maxPieces}`,
        ),
    });
    expect(progress).toContain("count 1199841/1199841");
    expect(progress).toContain("merge 320/341");
    expect(stats.prunedChunks).toBeGreaterThan(0);
    expect(stats.distinctChunks).toBeLessThanOrEqual(2000);
    expect(data.pieces).toHaveLength(600);
  });

  it("adds ChatML control tokens that text can never spell", async () => {
    const { data } = await trainTokenizer({ files: [KJV], vocabSize: 600, ...CHATML_TOKENS });
    expect(data.pieces.slice(0, 5)).toEqual(["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]);
    expect(data.special.eos).toBe(4);
    const tok = new SpmTokenizer(data);
    const ids = tok.encode("<|im_start|>user\nhi<|im_end|></s><s><unk><0x41>");
    expect(ids).not.toContain(1);
    expect(ids).not.toContain(2);
    expect(ids).not.toContain(3);
    expect(ids).not.toContain(4);
    expect(tok.decode(ids)).toBe("<|im_start|>user\nhi<|im_end|></s><s><unk><0x41>");
    expect(tok.encode("hi", { addBos: true, addEos: true })).toEqual([1, ...tok.encode("hi"), 4]);
    expect(tok.decode([3, ...tok.encode("x"), 4])).toBe("x");
    expect(tok.decode([3, ...tok.encode("x"), 4], { special: true })).toBe("<|im_start|>x<|im_end|>");
  });

  it("stops early on a tiny corpus, with fewer pieces than asked for", async () => {
    const { data, stats } = await trainTokenizer({
      files: [file("tiny.txt", "hello hello hello world\n")],
      vocabSize: 5000,
    });
    expect(stats.vocabSize).toBe(data.pieces.length);
    expect(data.pieces.length).toBeLessThan(300);
    expect(data.pieces).toContain("▁hello");
    const tok = new SpmTokenizer(data);
    expect(tok.encode("hello hello").map((id) => tok.piece(id))).toEqual(["hello", "▁hello"]);
  });
});

describe("bad input", () => {
  it("refuses an empty corpus", async () => {
    const e = await rejection(trainTokenizer({ files: [file("empty.txt", "")], vocabSize: 500 }));
    expect(e.code).toBe("invalid_request");
    expect(e.message).toMatch(/corpus is empty/);
    expect((await rejection(trainTokenizer({ files: [], vocabSize: 500 }))).message).toMatch(/no corpus files/);
  });

  it("refuses a vocabulary too small for the specials, the 256 bytes and ▁", async () => {
    for (const vocabSize of [0, 259, 1.5, Number.NaN]) {
      const e = await rejection(trainTokenizer({ files: [KJV], vocabSize }));
      expect(e.message).toMatch(/from 260 to/);
    }
    const e = await rejection(trainTokenizer({ files: [KJV], vocabSize: 261, ...CHATML_TOKENS }));
    expect(e.message).toMatch(/from 262 to/);
    expect(minimumVocabSize(CHATML_TOKENS.controlTokens)).toBe(262);
    const smallest = await trainTokenizer({ files: [KJV], vocabSize: 260 });
    expect(smallest.data.pieces.at(-1)).toBe("▁");
  });

  it("names the file and byte offset of invalid UTF-8, also across read buffers", async () => {
    const bad = file("latin1.txt", Buffer.concat([Buffer.from("abc\n"), Buffer.from([0xe9]), Buffer.from("t\n")]));
    let e = await rejection(trainTokenizer({ files: [KJV, bad], vocabSize: 500 }));
    expect(e.code).toBe("invalid_request");
    expect(e.message).toContain(bad);
    expect(e.message).toMatch(/byte offset 4\b/);
    // A valid 3-byte character straddling the 1 MiB read boundary, then a bad byte after it.
    const big = Buffer.alloc((1 << 20) + 16, 0x61);
    Buffer.from("語").copy(big, (1 << 20) - 1);
    big[(1 << 20) + 5] = 0xff;
    e = await rejection(trainTokenizer({ files: [file("big.txt", big)], vocabSize: 500 }));
    expect(e.message).toMatch(new RegExp(`byte offset ${(1 << 20) + 5}\\b`));
    // A file cut inside a character.
    e = await rejection(
      trainTokenizer({ files: [file("cut.txt", Buffer.from("ab語").subarray(0, 4))], vocabSize: 500 }),
    );
    expect(e.message).toMatch(/ends inside a character at byte offset 2/);
  });

  it("drops a leading byte-order mark and accepts CRLF text", async () => {
    const { data } = await trainTokenizer({ files: [file("bom.txt", "\ufeffab ab\r\nab ab\r\n")], vocabSize: 300 });
    expect(data.pieces).not.toContain("\ufeff");
    expect(data.pieces).toContain("\r\n");
  });

  it("reports a missing file or a folder clearly", async () => {
    const missing = path.join(dir, "nope.txt");
    const e = await rejection(trainTokenizer({ files: [KJV, missing], vocabSize: 500 }));
    expect(e.code).toBe("not_found");
    expect(e.message).toContain(missing);
    const folder = path.join(dir, "folder");
    mkdirSync(folder, { recursive: true });
    expect((await rejection(trainTokenizer({ files: [folder], vocabSize: 500 }))).message).toMatch(
      /not a regular file/,
    );
  });

  it("refuses control tokens llama.cpp would spell from text or re-type", async () => {
    for (const [token, why] of [
      ["<a", /at least 3 characters/],
      ["<0x41>", /byte-fallback/],
      ["<|start|>", /re-types/],
      ["<a b>", /whitespace/],
      ["</s>", /twice or is built in/],
    ] as const) {
      const e = await rejection(trainTokenizer({ files: [KJV], vocabSize: 500, controlTokens: [token] }));
      expect(e.message).toMatch(why);
    }
    const e = await rejection(trainTokenizer({ files: [KJV], vocabSize: 500, eos: "<|im_end|>" }));
    expect(e.message).toMatch(/eos/);
  });

  it("refuses bad numeric settings", async () => {
    await rejection(trainTokenizer({ files: [KJV], vocabSize: 500, characterCoverage: 0 }));
    await rejection(trainTokenizer({ files: [KJV], vocabSize: 500, maxPieceLength: 1 }));
    await rejection(trainTokenizer({ files: [KJV], vocabSize: 500, minPairFrequency: 0 }));
  });
});

describe("tokenizer file", () => {
  it("writes canonical JSON atomically and reads it back validated", async () => {
    const data = trained.get(300)!.data;
    const p = path.join(dir, "tok.json");
    const bytes = await writeTokenizerFile(p, data);
    expect(bytes).toBe(readFileSync(p).length);
    expect(await readTokenizerFile(p)).toEqual(data);
    const tok = await loadTokenizer(p);
    expect(tok.vocabSize).toBe(300);
    expect(JSON.parse(readFileSync(p, "utf8")).format).toBe("llmops.tokenizer");
  });

  it("explains what is wrong with a damaged file", async () => {
    const good = JSON.parse(serializeTokenizer(trained.get(300)!.data)) as TokenizerData;
    const cases: Array<[unknown, RegExp]> = [
      [{ ...good, version: 2 }, /version/],
      [{ ...good, types: good.types.map((t, i) => (i === 299 ? 5 : t)) }, /types\.\d+/],
      [
        { ...good, pieces: good.pieces.map((p, i) => (i === 299 ? good.pieces[298] : p)) },
        /pieces 298 and 299 are both/,
      ],
      [{ ...good, scores: good.scores.slice(1) }, /same length/],
      [{ ...good, special: { ...good.special, eos: 5 } }, /special\.eos \(5\) must be a CONTROL/],
      [{ ...good, pieces: good.pieces.map((p) => (p === "<0x41>" ? "<0x4l>" : p)) }, /BYTE piece|<0x41> is missing/],
      [{ ...good, pieces: good.pieces.map((p) => (p === "▁" ? "_" : p)) }, /NORMAL piece "▁"/],
      [{ ...good, pieces: [...good.pieces.slice(0, -1), "/s>"] }, /could be spelled by merging "<" \+ "\/s>"/],
      [{ ...good, pieces: [...good.pieces.slice(0, -1), "<|im_end|>"] }, /looks like a special token/],
      [{ ...good, pieces: [...good.pieces.slice(0, -1), "a b"] }, /has a space/],
      [{ ...good, pieces: [...good.pieces.slice(0, -1), "a\0"] }, /U\+0000/],
    ];
    for (const [value, why] of cases) {
      const p = file("bad.json", JSON.stringify(value));
      const e = await rejection(loadTokenizer(p));
      expect(e.code).toBe("invalid_request");
      expect(e.message).toMatch(why);
      expect(e.message).toContain(p);
    }
    expect((await rejection(loadTokenizer(file("notjson.json", "{")))).message).toMatch(/not valid JSON/);
    expect((await rejection(loadTokenizer(path.join(dir, "missing.json")))).code).toBe("not_found");
    expect(() => parseTokenizerJson("[]", "x")).toThrow(/x is not a tokenizer file/);
  });

  it("never half-writes: a refused vocabulary leaves the old file untouched", async () => {
    const p = path.join(dir, "keep.json");
    await writeTokenizerFile(p, trained.get(300)!.data);
    const before = readFileSync(p);
    const broken = { ...trained.get(300)!.data, pieces: [...trained.get(300)!.data.pieces.slice(0, -1), "<s"] };
    await rejection(writeTokenizerFile(p, { ...broken, pieces: [...broken.pieces.slice(0, -2), "s>", "<s"] }));
    expect(readFileSync(p)).toEqual(before);
    await rejection(writeTokenizerFile(path.join(dir, "no-such-dir", "t.json"), trained.get(300)!.data));
  });
});

describe("GGUF metadata", () => {
  it("gives the tokenizer.ggml.* entries llama.cpp reads", () => {
    const data = trained.get(1000)!.data;
    const entries = Object.fromEntries(tokenizerGgufMetadata(data).map((e) => [e.key, e.value]));
    expect(entries["tokenizer.ggml.model"]).toEqual({ type: "string", value: "llama" });
    expect(entries["tokenizer.ggml.tokens"]).toEqual({ type: "array", itemType: "string", value: data.pieces });
    expect(entries["tokenizer.ggml.scores"]).toEqual({ type: "array", itemType: "float32", value: data.scores });
    expect(entries["tokenizer.ggml.token_type"]).toEqual({ type: "array", itemType: "int32", value: data.types });
    expect(entries["tokenizer.ggml.add_space_prefix"]).toEqual({ type: "bool", value: false });
    expect(entries["tokenizer.ggml.bos_token_id"]).toEqual({ type: "uint32", value: 1 });
    expect(toGgufVocab(data)).toMatchObject({ unkId: 0, bosId: 1, eosId: 2, byteBase: 3, tokens: data.pieces });
  });
});

describe("pieces", () => {
  it("pre-tokenises by script, spaces, digits and line breaks", () => {
    const chunks = (text: string) => {
      const out: string[] = [];
      forEachChunk(text, (c) => out.push(c));
      return out;
    };
    expect(chunks("Hello▁world,▁how▁are▁you?")).toEqual(["Hello", "▁world", ",", "▁how", "▁are", "▁you", "?"]);
    expect(chunks("▁▁▁if▁x:\n\t\treturn▁42")).toEqual(["▁▁", "▁if", "▁x", ":", "\n\t\t", "return", "▁4", "2"]);
    expect(chunks("床前明月光，疑是地上霜。\n\n舉頭")).toEqual([
      "床前明月光",
      "，",
      "疑是地上霜",
      "。",
      "\n\n",
      "舉頭",
    ]);
    expect(chunks("e\u0301t\u00e9▁👨‍👩‍👧▁ok")).toEqual(["e\u0301t\u00e9", "▁👨‍👩‍👧", "▁ok"]);
    expect(chunks("abcαβγ")).toEqual(["abc", "αβγ"]);
    expect(chunks("a".repeat(70))).toEqual(["a".repeat(64), "a".repeat(6)]);
  });

  it("validates UTF-8 like the WHATWG decoder", () => {
    const scan = (bytes: number[]) => scanUtf8(Uint8Array.from(bytes));
    expect(scan([0x61, 0xe8, 0xaa, 0x9e])).toEqual({ end: 4, invalidAt: -1 });
    expect(scan([0x61, 0xe8, 0xaa])).toEqual({ end: 1, invalidAt: -1 }); // cut off: wait for more
    expect(scan([0xc0, 0x80])).toEqual({ end: 0, invalidAt: 0 }); // overlong
    expect(scan([0x61, 0xed, 0xa0, 0x80])).toEqual({ end: 1, invalidAt: 1 }); // surrogate
    expect(scan([0xf4, 0x90, 0x80, 0x80])).toEqual({ end: 0, invalidAt: 0 }); // > U+10FFFF
    expect(scan([0xf0, 0x9f, 0x98, 0x80])).toEqual({ end: 4, invalidAt: -1 });
  });
});
