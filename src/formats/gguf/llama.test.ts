// End-to-end: llama.cpp (node-llama-cpp) loads what our writer produces, in every weight type.
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ChatMLChatWrapper,
  type ControlledEvaluateInputItem,
  getLlama,
  type Llama,
  LlamaChatSession,
  LlamaCompletion,
  LlamaLogLevel,
  type LlamaModel,
  type Token,
} from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHATML_TEMPLATE } from "./chat-templates.js";
import { TOKEN_TYPE } from "./constants.js";
import { buildLlamaGguf, type LlamaWeightType, randomLlamaWeights, tinyLlamaSpec, writeTinyLlama } from "./llama.js";
import { readGgufFile } from "./reader.js";
import { summarizeGguf } from "./summary.js";
import { metaBool, metaNumber } from "./values.js";

const TYPES: LlamaWeightType[] = ["F32", "F16", "Q8_0", "Q4_0"];
const VOCAB = tinyLlamaSpec({ chatml: true }).hparams.nVocab;
const TEXTS = [
  "Hello world",
  "你好，世界！",
  "emoji 🙂👍🏽 mix",
  "  leading spaces\nand\ttabs ",
  "<|im_start|> literal",
];

let llama: Llama;
let dir: string;
const models = new Map<LlamaWeightType, LlamaModel>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "llmops-gguf-llama-"));
  llama = await getLlama({ gpu: false, build: "never", maxThreads: 1, logLevel: LlamaLogLevel.error });
  for (const type of TYPES) {
    const path = join(dir, `tiny-${type}.gguf`);
    await writeTinyLlama(path, { type, chatml: true });
    models.set(type, await llama.loadModel({ modelPath: path }));
  }
});
afterAll(async () => {
  for (const m of models.values()) await m.dispose();
  await llama?.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** p(next token) at every position of `tokens`, via llama.cpp's own sampler output. */
async function nextTokenProbs(model: LlamaModel, tokens: Token[]): Promise<Float64Array[]> {
  const ctx = await model.createContext({ contextSize: 256, threads: 1 });
  try {
    const seq = ctx.getSequence();
    const items: ControlledEvaluateInputItem[] = tokens.map((t) => [t, { generateNext: { probabilities: true } }]);
    const res = await seq.controlledEvaluate(items);
    return res.map((r) => {
      const p = new Float64Array(VOCAB);
      for (const [tok, prob] of r?.next?.probabilities ?? []) p[tok] = prob;
      return p;
    });
  } finally {
    await ctx.dispose();
  }
}

describe.each(TYPES)("tiny ChatML llama, %s", (type) => {
  it("round-trips text through llama.cpp's tokenizer", () => {
    const model = models.get(type)!;
    for (const text of TEXTS) expect(model.detokenize(model.tokenize(text))).toBe(text);
    // byte fallback: "é" is two UTF-8 bytes -> two byte tokens (byteBase = 5 with the two ChatML specials)
    expect(model.tokenize("é")).toEqual([5 + 0xc3, 5 + 0xa9]);
  });

  it("generates tokens", async () => {
    const model = models.get(type)!;
    const ctx = await model.createContext({ contextSize: 256, threads: 1 });
    try {
      const out: number[] = [];
      for await (const tok of ctx
        .getSequence()
        .evaluate([model.tokens.bos!, ...model.tokenize("Hi")], { temperature: 0 })) {
        out.push(tok);
        if (out.length >= 5) break;
      }
      expect(out).toHaveLength(5);
      for (const t of out) expect(t).toBeLessThan(262);
    } finally {
      await ctx.dispose();
    }
  });
});

it("F16 next-token probabilities match F32 closely; quantized ones stay near", async () => {
  const f32 = models.get("F32")!;
  const prompt = [f32.tokens.bos!, ...f32.tokenize("The 世界 is")];
  const ref = await nextTokenProbs(models.get("F32")!, prompt);
  const maxDiff = async (type: LlamaWeightType) => {
    const got = await nextTokenProbs(models.get(type)!, prompt);
    let m = 0;
    for (const [i, p] of got.entries()) for (const [t, v] of p.entries()) m = Math.max(m, Math.abs(v - ref[i]![t]!));
    return m;
  };
  const f16 = await maxDiff("F16");
  const q8 = await maxDiff("Q8_0");
  const q4 = await maxDiff("Q4_0");
  // measured: F16 9e-5, Q8_0 2e-3, Q4_0 1.6e-2
  expect(f16).toBeLessThan(1e-3);
  expect(q8).toBeLessThan(0.02);
  expect(q4).toBeLessThan(0.1);
  expect(f16).toBeLessThanOrEqual(q8);
});

describe("ChatML metadata and stopping", () => {
  it("declares <|im_start|>/<|im_end|> as control tokens and <|im_end|> as eos", async () => {
    const { vocab } = tinyLlamaSpec({ chatml: true });
    expect(vocab.tokens.slice(0, 5)).toEqual(["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]);
    expect(vocab.tokenTypes.slice(3, 5)).toEqual([TOKEN_TYPE.CONTROL, TOKEN_TYPE.CONTROL]);
    const model = models.get("Q8_0")!;
    expect(model.tokens.eos).toBe(4);
    expect(model.tokens.bos).toBe(1);
    expect(model.tokenize("<|im_end|>", true)).toEqual([4]);
    const file = await readGgufFile(join(dir, "tiny-Q8_0.gguf"));
    expect(metaBool(file.metadata, "tokenizer.ggml.add_space_prefix")).toBe(false);
    expect(metaNumber(file.metadata, "tokenizer.ggml.eos_token_id")).toBe(4);
    expect(summarizeGguf(file)).toEqual({
      architecture: "llama",
      name: "tiny-random-llama-chatml",
      parameterCount: 134208,
      quantization: "Q8_0",
      contextLength: 256,
      embeddingLength: 64,
      blockCount: 2,
      headCount: 4,
      headCountKv: 4,
      vocabSize: 262,
      chatTemplate: CHATML_TEMPLATE,
      tokenizerModel: "llama",
      fileType: 7,
    });
  });

  it("a model that always predicts <|im_end|> ends chat turns and completions at once", async () => {
    // Make residual dimension 0 large for every token and let only <|im_end|> read it in the output layer.
    const { hparams, vocab } = tinyLlamaSpec({ chatml: true });
    const weights = randomLlamaWeights(hparams, 5);
    const E = hparams.nEmbd;
    const embd = weights["token_embd.weight"]!;
    for (let v = 0; v < hparams.nVocab; v++) embd[v * E] = 30;
    const out = weights["output.weight"]!.fill(0);
    out[vocab.eosId * E] = 20;
    const path = join(dir, "eos.gguf");
    await buildLlamaGguf(path, { hparams, vocab, weights, type: "F32", chatTemplate: CHATML_TEMPLATE });
    const model = await llama.loadModel({ modelPath: path });
    const ctx = await model.createContext({ contextSize: 256, threads: 1, sequences: 2 });
    try {
      // node-llama-cpp's default system prompt is ~500 byte tokens: more than this model's 256 context
      const session = new LlamaChatSession({ contextSequence: ctx.getSequence(), systemPrompt: "Be brief." });
      expect(session.chatWrapper).toBeInstanceOf(ChatMLChatWrapper);
      const chat = await session.promptWithMeta("Hi there", { maxTokens: 16 });
      expect(chat.stopReason).toBe("eogToken");
      expect(chat.responseText).toBe("");
      const completion = new LlamaCompletion({ contextSequence: ctx.getSequence() });
      const res = await completion.generateCompletionWithMeta("Once upon", { maxTokens: 16 });
      expect(res.metadata.stopReason).toBe("eogToken");
      expect(res.response).toBe("");
    } finally {
      await ctx.dispose();
      await model.dispose();
    }
  });
});

describe("writeTinyLlama / buildLlamaGguf", () => {
  const sha = async (p: string) =>
    createHash("sha256")
      .update(await readFile(p))
      .digest("hex");

  it("is reproducible: same seed -> same bytes, other seed -> other bytes", async () => {
    const a = join(dir, "a.gguf");
    const b = join(dir, "b.gguf");
    const c = join(dir, "c.gguf");
    await writeTinyLlama(a, { type: "Q4_0", seed: 7 });
    await writeTinyLlama(b, { type: "Q4_0", seed: 7 });
    await writeTinyLlama(c, { type: "Q4_0", seed: 8 });
    expect(await sha(a)).toBe(await sha(b));
    expect(await sha(a)).not.toBe(await sha(c));
  });

  it("keeps norms and rows that are not whole blocks in F32 (llama.cpp's policy)", async () => {
    const res = await writeTinyLlama(join(dir, "policy.gguf"), { type: "Q8_0" });
    expect(res.tensorTypes["blk.0.attn_norm.weight"]).toBe("F32");
    expect(res.tensorTypes["blk.0.ffn_down.weight"]).toBe("F32"); // rows of n_ff = 176 values
    expect(res.tensorTypes["blk.0.ffn_up.weight"]).toBe("Q8_0");
    expect(res.tensorTypes["token_embd.weight"]).toBe("Q8_0");
    const f16 = await writeTinyLlama(join(dir, "policy16.gguf"), { type: "F16" });
    expect(f16.tensorTypes["blk.0.ffn_down.weight"]).toBe("F16");
    expect(f16.tensorTypes["output_norm.weight"]).toBe("F32");
  });

  it("the small preset is a ~1.7M-parameter GQA model with a 512 context", async () => {
    const res = await writeTinyLlama(join(dir, "small.gguf"), { type: "Q8_0", preset: "small" });
    const s = summarizeGguf(await readGgufFile(res.path));
    expect(s).toMatchObject({ contextLength: 512, headCount: 6, headCountKv: 2, vocabSize: 260, quantization: "Q8_0" });
    expect(s.parameterCount).toBe(res.parameterCount);
    expect(s.parameterCount).toBeGreaterThan(1e6);
    expect(s.parameterCount).toBeLessThan(3e6);
  });

  it("rejects weights and vocabularies that do not fit the hparams", async () => {
    const { hparams, vocab } = tinyLlamaSpec();
    const weights = randomLlamaWeights(hparams, 1);
    const p = join(dir, "bad.gguf");
    const build = (o: Partial<Parameters<typeof buildLlamaGguf>[1]>) =>
      buildLlamaGguf(p, { hparams, vocab, weights, type: "F32", ...o });
    await expect(build({ weights: { ...weights, "blk.9.attn_q.weight": new Float32Array(1) } })).rejects.toThrow(
      /unexpected weight 'blk\.9\.attn_q\.weight'/,
    );
    const { "output.weight": _, ...noOutput } = weights;
    await expect(build({ weights: noOutput })).rejects.toThrow(/missing weight 'output\.weight'/);
    await expect(build({ weights: { ...weights, "output_norm.weight": new Float32Array(3) } })).rejects.toThrow(
      /'output_norm\.weight' has 3 values, expected 64/,
    );
    await expect(build({ hparams: { ...hparams, nVocab: 300 } })).rejects.toThrow(
      /vocabulary has 260 tokens but nVocab is 300/,
    );
    await expect(build({ hparams: { ...hparams, nHead: 3 } })).rejects.toThrow(/nEmbd must be divisible by nHead/);
    await expect(build({ type: "Q5_K" as LlamaWeightType })).rejects.toThrow(/type must be one of/);
    await expect(writeTinyLlama(p, { type: "F32", preset: "huge" as "tiny" })).rejects.toThrow(/preset must be/);
    // tied embeddings: no output.weight, llama.cpp reuses token_embd
    const tied = await build({ weights: noOutput, tiedEmbeddings: true });
    const model = await llama.loadModel({ modelPath: tied.path });
    expect(model.detokenize(model.tokenize("ok"))).toBe("ok");
    await model.dispose();
  });
});
