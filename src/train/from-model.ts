// Fine-tuning starts from a registered model version: its GGUF is read back (F32/F16 as is,
// Q8_0/Q4_0 dequantised) into trainer parameters, and the tokenizer of the run that produced it
// is reused, so the continued model keeps its vocabulary.
import path from "node:path";
import { LlmopsError } from "../errors.js";
import { dequantize, metaNumber, readGgufFile, readGgufTensorData } from "../formats/gguf/index.js";
import type { ModelRegistry } from "../registry/index.js";
import type { ArtifactStore } from "../store/artifacts/types.js";
import type { ModelConfig, Params } from "./model.js";
import type { RunStore } from "./runs.js";

export interface BaseModel {
  ref: string; // name@version
  model: ModelConfig; // seqLen: the base's context length
  params: Params;
  tokenizerFile: string;
}

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c] as number;
  return out;
}

export async function loadBaseModel(o: {
  registry: ModelRegistry;
  artifacts: ArtifactStore;
  runs: RunStore;
  runsDir: string;
  ref: string;
}): Promise<BaseModel> {
  const version = await o.registry.resolve(o.ref);
  const runId = typeof version.lineage.runId === "string" ? version.lineage.runId : undefined;
  if (!runId)
    throw new LlmopsError(
      "invalid_request",
      `${version.ref} was not exported by 'llmops export', so its tokenizer is unknown; fine-tune a model trained here.`,
    );
  const run = await o.runs.get(runId);
  const dir = (run.summary as { output_dir?: string }).output_dir ?? path.join(o.runsDir, run.id);
  const file = await o.artifacts.localPath(version.artifactHash);
  const g = await readGgufFile(file);
  const num = (k: string): number => {
    const v = metaNumber(g.metadata, k);
    if (v === null)
      throw new LlmopsError(
        "invalid_request",
        `${version.ref} lacks ${k}; only llama-architecture GGUFs can be fine-tuned.`,
      );
    return v;
  };
  const model: ModelConfig = {
    vocabSize: num("llama.vocab_size"),
    dim: num("llama.embedding_length"),
    layers: num("llama.block_count"),
    heads: num("llama.attention.head_count"),
    kvHeads: num("llama.attention.head_count_kv"),
    ffnDim: num("llama.feed_forward_length"),
    seqLen: num("llama.context_length"),
    ropeTheta: metaNumber(g.metadata, "llama.rope.freq_base") ?? 10000,
    normEps: metaNumber(g.metadata, "llama.attention.layer_norm_rms_epsilon") ?? 1e-5,
  };
  const read = async (name: string): Promise<{ rows: number; cols: number; data: Float32Array }> => {
    const t = g.tensors.find((x) => x.name === name);
    if (!t) throw new LlmopsError("invalid_request", `${version.ref} has no tensor ${name}.`);
    const n = t.dims.reduce((a, b) => a * b, 1);
    const data = dequantize(t.type, await readGgufTensorData(file, t), n);
    return { rows: t.dims[1] ?? 1, cols: t.dims[0] ?? n, data };
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
  const emb = await read("token_embd.weight");
  P.tok_emb = { shape: [emb.rows, emb.cols], data: emb.data, decay: false };
  for (let l = 0; l < model.layers; l++) {
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
  await mat("head", "output.weight");
  return { ref: version.ref, model, params: P, tokenizerFile: path.join(dir, "tokenizer.json") };
}
