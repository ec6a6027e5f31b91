// Builder for llama-architecture GGUFs that llama.cpp loads: hyper-parameters, tokenizer metadata
// and the weights, each big matrix stored as F32/F16/Q8_0/Q4_0 under llama.cpp's own policy.
import { invalidRequest } from "../../errors.js";
import { CHATML_SPECIAL_TOKENS, CHATML_TEMPLATE } from "./chat-templates.js";
import { GGML_TYPE, GGUF_DEFAULT_ALIGNMENT, ggmlTypeInfo, LLAMA_FILE_TYPE } from "./constants.js";
import { encodeTensor } from "./quantize.js";
import { normalSampler } from "./random.js";
import type { GgufKv, GgufTensorInput } from "./types.js";
import { gguf, kv } from "./values.js";
import { byteVocab, type GgufVocab } from "./vocab.js";
import { writeGguf } from "./writer.js";

export interface LlamaHparams {
  nVocab: number;
  nCtx: number;
  nEmbd: number;
  nLayer: number;
  nHead: number;
  nHeadKv: number;
  nFf: number;
  /** RoPE base frequency (default 10000). */
  ropeFreqBase?: number;
  /** RMSNorm epsilon (default 1e-5). */
  rmsNormEps?: number;
}

export type LlamaWeightType = "F32" | "F16" | "Q8_0" | "Q4_0";
/** Tensor name -> row-major [out, in] (or 1-D) float32 values. */
export type LlamaWeights = Record<string, Float32Array>;

/** reference TINY: ~0.13M parameters, loads and generates in milliseconds. */
export const TINY_LLAMA: Omit<LlamaHparams, "nVocab"> = {
  nCtx: 256,
  nEmbd: 64,
  nLayer: 2,
  nHead: 4,
  nHeadKv: 4,
  nFf: 176,
};
/** ~1.7M parameters with grouped-query attention (6 query heads, 2 KV heads); still fast on one CPU thread. */
export const SMALL_LLAMA: Omit<LlamaHparams, "nVocab"> = {
  nCtx: 512,
  nEmbd: 192,
  nLayer: 4,
  nHead: 6,
  nHeadKv: 2,
  nFf: 512,
};

export interface LlamaTensorShape {
  name: string;
  /** Row-major shape: [out, in] for matrices, [n] for norms. GGUF dims are this reversed. */
  shape: [number] | [number, number];
}

function checkHparams(hp: LlamaHparams): void {
  for (const k of ["nVocab", "nCtx", "nEmbd", "nLayer", "nHead", "nHeadKv", "nFf"] as const) {
    const v = hp[k];
    if (!Number.isSafeInteger(v) || v < 1)
      throw invalidRequest(`llama hparams: ${k} must be a positive integer, got ${v}`, k);
  }
  if (hp.nEmbd % hp.nHead !== 0) throw invalidRequest("llama hparams: nEmbd must be divisible by nHead", "nEmbd");
  if ((hp.nEmbd / hp.nHead) % 2 !== 0)
    throw invalidRequest("llama hparams: head size nEmbd/nHead must be even (RoPE)", "nHead");
  if (hp.nHead % hp.nHeadKv !== 0)
    throw invalidRequest("llama hparams: nHead must be a multiple of nHeadKv", "nHeadKv");
}

/** Every tensor of a llama model in the order it is written; output.weight is omitted when embeddings are tied. */
export function llamaTensorShapes(hp: LlamaHparams, options: { tiedEmbeddings?: boolean } = {}): LlamaTensorShape[] {
  checkHparams(hp);
  const { nVocab: V, nEmbd: E, nLayer: L, nHead: H, nHeadKv: HKV, nFf: F } = hp;
  const hd = E / H;
  const out: LlamaTensorShape[] = [
    { name: "token_embd.weight", shape: [V, E] },
    { name: "output_norm.weight", shape: [E] },
  ];
  if (!options.tiedEmbeddings) out.push({ name: "output.weight", shape: [V, E] });
  for (let l = 0; l < L; l++) {
    out.push(
      { name: `blk.${l}.attn_norm.weight`, shape: [E] },
      { name: `blk.${l}.attn_q.weight`, shape: [H * hd, E] },
      { name: `blk.${l}.attn_k.weight`, shape: [HKV * hd, E] },
      { name: `blk.${l}.attn_v.weight`, shape: [HKV * hd, E] },
      { name: `blk.${l}.attn_output.weight`, shape: [E, H * hd] },
      { name: `blk.${l}.ffn_norm.weight`, shape: [E] },
      { name: `blk.${l}.ffn_gate.weight`, shape: [F, E] },
      { name: `blk.${l}.ffn_up.weight`, shape: [F, E] },
      { name: `blk.${l}.ffn_down.weight`, shape: [E, F] },
    );
  }
  return out;
}

/**
 * Seeded random weights (normal, std 1 for embeddings, 1/sqrt(fan_in) for matrices, 1 ± 0.1 for
 * norms), drawn in the same order as the reference experiment so the same seed gives the same model.
 */
export function randomLlamaWeights(hp: LlamaHparams, seed = 1234): LlamaWeights {
  const g = normalSampler(seed);
  const weights: LlamaWeights = {};
  for (const { name, shape } of llamaTensorShapes(hp)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const a = new Float32Array(n);
    if (shape.length === 1) for (let i = 0; i < n; i++) a[i] = 1 + 0.1 * g();
    else {
      const std = name === "token_embd.weight" ? 1 : 1 / Math.sqrt(shape[1]);
      for (let i = 0; i < n; i++) a[i] = g() * std;
    }
    weights[name] = a;
  }
  return weights;
}

/**
 * llama.cpp's policy: 1-D tensors (norms) stay F32; F16 applies to every matrix; a block type
 * applies only when the row length (dims[0]) is a multiple of its block size, else the tensor stays F32.
 */
export function llamaTensorType(dims: readonly number[], target: LlamaWeightType): number {
  const id = GGML_TYPE[target];
  if (dims.length < 2 || target === "F32") return GGML_TYPE.F32;
  const info = ggmlTypeInfo(id)!;
  return dims[0]! % info.blockSize === 0 ? id : GGML_TYPE.F32;
}

export interface BuildLlamaOptions {
  hparams: LlamaHparams;
  weights: LlamaWeights;
  type: LlamaWeightType;
  vocab: GgufVocab;
  chatTemplate?: string;
  name?: string;
  /** Appended after the standard keys; a key given here replaces the standard one. */
  extraMetadata?: readonly GgufKv[];
  /** Leave out output.weight; llama.cpp then reuses token_embd.weight for the output projection. */
  tiedEmbeddings?: boolean;
}

export interface BuildLlamaResult {
  path: string;
  bytes: number;
  parameterCount: number;
  /** ggml type name chosen for each tensor. */
  tensorTypes: Record<string, string>;
}

export function llamaMetadata(options: Omit<BuildLlamaOptions, "weights">): GgufKv[] {
  const { hparams: hp, vocab, type } = options;
  if (!(type in LLAMA_FILE_TYPE))
    throw invalidRequest(`type must be one of F32, F16, Q8_0, Q4_0, got ${String(type)}`, "type");
  if (vocab.tokens.length !== hp.nVocab || vocab.scores.length !== hp.nVocab || vocab.tokenTypes.length !== hp.nVocab) {
    throw invalidRequest(`vocabulary has ${vocab.tokens.length} tokens but nVocab is ${hp.nVocab}`, "vocab");
  }
  const base: GgufKv[] = [
    kv("general.architecture", gguf.string("llama")),
    kv("general.name", gguf.string(options.name ?? "tiny-random-llama")),
    kv("general.alignment", gguf.uint32(GGUF_DEFAULT_ALIGNMENT)),
    kv("general.file_type", gguf.uint32(LLAMA_FILE_TYPE[type])),
    kv("general.quantization_version", gguf.uint32(2)),
    kv("llama.vocab_size", gguf.uint32(hp.nVocab)),
    kv("llama.context_length", gguf.uint32(hp.nCtx)),
    kv("llama.embedding_length", gguf.uint32(hp.nEmbd)),
    kv("llama.block_count", gguf.uint32(hp.nLayer)),
    kv("llama.feed_forward_length", gguf.uint32(hp.nFf)),
    kv("llama.attention.head_count", gguf.uint32(hp.nHead)),
    kv("llama.attention.head_count_kv", gguf.uint32(hp.nHeadKv)),
    kv("llama.rope.dimension_count", gguf.uint32(hp.nEmbd / hp.nHead)),
    kv("llama.rope.freq_base", gguf.float32(hp.ropeFreqBase ?? 10000)),
    kv("llama.attention.layer_norm_rms_epsilon", gguf.float32(hp.rmsNormEps ?? 1e-5)),
    kv("tokenizer.ggml.model", gguf.string("llama")),
    kv("tokenizer.ggml.tokens", gguf.strings(vocab.tokens)),
    kv("tokenizer.ggml.scores", gguf.numbers("float32", vocab.scores)),
    kv("tokenizer.ggml.token_type", gguf.numbers("int32", vocab.tokenTypes)),
    kv("tokenizer.ggml.unknown_token_id", gguf.uint32(vocab.unkId)),
    kv("tokenizer.ggml.bos_token_id", gguf.uint32(vocab.bosId)),
    kv("tokenizer.ggml.eos_token_id", gguf.uint32(vocab.eosId)),
    kv("tokenizer.ggml.add_bos_token", gguf.bool(true)),
    kv("tokenizer.ggml.add_eos_token", gguf.bool(false)),
    // Without this llama.cpp prepends "▁" to every text and detokenize(tokenize(x)) gains a space.
    kv("tokenizer.ggml.add_space_prefix", gguf.bool(false)),
  ];
  if (options.chatTemplate !== undefined) base.push(kv("tokenizer.chat_template", gguf.string(options.chatTemplate)));
  const extra = options.extraMetadata ?? [];
  const replaced = new Set(extra.map((e) => e.key));
  return [...base.filter((e) => !replaced.has(e.key)), ...extra];
}

/** Writes a llama-architecture GGUF (atomically; one tensor is encoded at a time while writing). */
export async function buildLlamaGguf(path: string, options: BuildLlamaOptions): Promise<BuildLlamaResult> {
  const metadata = llamaMetadata(options);
  const shapes = llamaTensorShapes(options.hparams, { tiedEmbeddings: options.tiedEmbeddings ?? false });
  const known = new Set(shapes.map((s) => s.name));
  for (const name of Object.keys(options.weights)) {
    if (!known.has(name))
      throw invalidRequest(`unexpected weight '${name}' for a llama model with these hparams`, "weights");
  }
  const tensorTypes: Record<string, string> = {};
  let parameterCount = 0;
  const tensors: GgufTensorInput[] = shapes.map(({ name, shape }) => {
    const data = options.weights[name];
    const n = shape.reduce((a, b) => a * b, 1);
    if (!(data instanceof Float32Array))
      throw invalidRequest(`missing weight '${name}' (Float32Array of ${n} values)`, "weights");
    if (data.length !== n) {
      throw invalidRequest(
        `weight '${name}' has ${data.length} values, expected ${n} for shape [${shape.join(", ")}]`,
        "weights",
      );
    }
    const dims = [...shape].reverse(); // row-major [out, in] is ggml ne = [in, out]
    const type = llamaTensorType(dims, options.type);
    const info = ggmlTypeInfo(type)!;
    tensorTypes[name] = info.name;
    parameterCount += n;
    return {
      name,
      dims,
      type,
      data: { byteLength: (n / info.blockSize) * info.typeSize, chunks: () => [encodeTensor(type, data)] },
    };
  });
  const { bytes } = await writeGguf(path, { metadata, tensors });
  return { path, bytes, parameterCount, tensorTypes };
}

export interface TinyLlamaOptions {
  type: LlamaWeightType;
  seed?: number;
  preset?: "tiny" | "small";
  /** Add <|im_start|>/<|im_end|> control tokens and the ChatML template; eos becomes <|im_end|>. */
  chatml?: boolean;
  name?: string;
}

export interface TinyLlamaResult extends BuildLlamaResult {
  hparams: LlamaHparams;
  vocab: GgufVocab;
}

/** The vocabulary and hyper-parameters writeTinyLlama uses (handy for tests that reason about token ids). */
export function tinyLlamaSpec(options: Pick<TinyLlamaOptions, "preset" | "chatml"> = {}): {
  hparams: LlamaHparams;
  vocab: GgufVocab;
} {
  // ChatML: eos = <|im_end|> so every consumer stops at the end of the assistant turn -- llama.cpp's
  // generation loop and node-llama-cpp both stop on eos, and llama.cpp also marks <|im_end|> as an
  // end-of-generation token by name. </s> stays in the vocabulary (id 2) for plain completion.
  const vocab = options.chatml ? byteVocab({ specials: CHATML_SPECIAL_TOKENS, eos: "<|im_end|>" }) : byteVocab();
  const preset = options.preset === "small" ? SMALL_LLAMA : TINY_LLAMA;
  return { hparams: { ...preset, nVocab: vocab.tokens.length }, vocab };
}

/** Writes a small random llama model (seeded: same options -> byte-identical file). */
export async function writeTinyLlama(path: string, options: TinyLlamaOptions): Promise<TinyLlamaResult> {
  if (options.preset !== undefined && options.preset !== "tiny" && options.preset !== "small") {
    throw invalidRequest(`preset must be "tiny" or "small", got ${String(options.preset)}`, "preset");
  }
  const { hparams, vocab } = tinyLlamaSpec(options);
  const preset = options.preset ?? "tiny";
  const result = await buildLlamaGguf(path, {
    hparams,
    vocab,
    type: options.type,
    weights: randomLlamaWeights(hparams, options.seed ?? 1234),
    name: options.name ?? `${preset}-random-llama${options.chatml ? "-chatml" : ""}`,
    ...(options.chatml ? { chatTemplate: CHATML_TEMPLATE } : {}),
  });
  return { ...result, hparams, vocab };
}
