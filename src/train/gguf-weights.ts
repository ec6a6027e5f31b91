// A llama-architecture GGUF read back into float32 weights in the built-in trainer's layout
// (matrices [in, out], names of src/train/model.ts): F32/F16/BF16 as they are, Q8_0/Q4_0 through
// the GGUF module's dequantiser. Fine-tuning starts from it, and the explainer's gradient methods
// run their forward pass on it.
import { LlmopsError } from "../errors.js";
import { dequantize, metaNumber, metaString, readGgufFile, readGgufTensorData } from "../formats/gguf/index.js";
import type { ModelConfig, Params } from "./model.js";

export interface LlamaWeights {
  config: ModelConfig; // seqLen: the model's context length
  params: Params;
}

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c] as number;
  return out;
}

/** `label` names the model in error messages (a registry reference or a file). */
export async function readLlamaWeights(file: string, label: string): Promise<LlamaWeights> {
  const g = await readGgufFile(file);
  const arch = metaString(g.metadata, "general.architecture");
  if (arch !== "llama") {
    throw new LlmopsError(
      "invalid_request",
      `${label} is a '${arch ?? "unknown"}' model; only llama-architecture GGUFs can be read into the built-in trainer's layout.`,
    );
  }
  const num = (k: string): number => {
    const v = metaNumber(g.metadata, k);
    if (v === null) throw new LlmopsError("invalid_request", `${label} lacks ${k}; it is not a complete llama model.`);
    return v;
  };
  const byName = new Map(g.tensors.map((t) => [t.name, t]));
  const read = async (name: string): Promise<{ rows: number; cols: number; data: Float32Array }> => {
    const t = byName.get(name);
    if (!t) throw new LlmopsError("invalid_request", `${label} has no tensor ${name}.`);
    const n = t.dims.reduce((a, b) => a * b, 1);
    const data = dequantize(t.type, await readGgufTensorData(file, t), n);
    return { rows: t.dims[1] ?? 1, cols: t.dims[0] ?? n, data };
  };
  const emb = await read("token_embd.weight");
  const config: ModelConfig = {
    vocabSize: metaNumber(g.metadata, "llama.vocab_size") ?? emb.rows,
    dim: num("llama.embedding_length"),
    layers: num("llama.block_count"),
    heads: num("llama.attention.head_count"),
    kvHeads: metaNumber(g.metadata, "llama.attention.head_count_kv") ?? num("llama.attention.head_count"),
    ffnDim: num("llama.feed_forward_length"),
    seqLen: num("llama.context_length"),
    ropeTheta: metaNumber(g.metadata, "llama.rope.freq_base") ?? 10000,
    normEps: metaNumber(g.metadata, "llama.attention.layer_norm_rms_epsilon") ?? 1e-5,
  };
  const P: Params = {};
  const vec = async (k: string, name: string): Promise<void> => {
    const t = await read(name);
    P[k] = { shape: [t.data.length], data: t.data, decay: false };
  };
  // GGUF row-major [out, in] → trainer [in, out].
  const mat = async (k: string, name: string): Promise<void> => {
    const t = await read(name);
    P[k] = { shape: [t.cols, t.rows], data: transpose(t.data, t.rows, t.cols), decay: true };
  };
  P.tok_emb = { shape: [emb.rows, emb.cols], data: emb.data, decay: false };
  for (let l = 0; l < config.layers; l++) {
    await vec(`l${l}.attn_norm`, `blk.${l}.attn_norm.weight`);
    await mat(`l${l}.wq`, `blk.${l}.attn_q.weight`);
    await mat(`l${l}.wk`, `blk.${l}.attn_k.weight`);
    await mat(`l${l}.wv`, `blk.${l}.attn_v.weight`);
    await mat(`l${l}.wo`, `blk.${l}.attn_output.weight`);
    await vec(`l${l}.ffn_norm`, `blk.${l}.ffn_norm.weight`);
    await mat(`l${l}.w1`, `blk.${l}.ffn_gate.weight`);
    await mat(`l${l}.w3`, `blk.${l}.ffn_up.weight`);
    await mat(`l${l}.w2`, `blk.${l}.ffn_down.weight`);
  }
  await vec("norm", "output_norm.weight");
  // A model with tied embeddings has no output.weight: the head is the embedding matrix.
  if (byName.has("output.weight")) await mat("head", "output.weight");
  else P.head = { shape: [config.dim, emb.rows], data: transpose(emb.data, emb.rows, emb.cols), decay: true };
  return { config, params: P };
}
