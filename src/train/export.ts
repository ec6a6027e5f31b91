// Export a trained run to GGUF (F32, F16, Q8_0, Q4_0) through our writer and register it as a
// model version whose lineage names the run, its dataset, tokenizer, recipe and git commit.
//
// Layout: the trainer keeps matrices [in, out] (y = x @ W); GGUF wants row-major [out, in], so
// every matrix is transposed (token_embd is already [vocab, dim]). The trainer's RoPE rotates
// adjacent pairs, which is exactly llama.cpp's LLAMA_ROPE_TYPE_NORM, so Q/K need no permutation.
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { LlmopsError } from "../errors.js";
import {
  buildLlamaGguf,
  CHATML_TEMPLATE,
  type LlamaHparams,
  type LlamaWeights,
  type LlamaWeightType,
} from "../formats/gguf/index.js";
import type { ModelRegistry } from "../registry/index.js";
import type { ModelVersion } from "../registry/types.js";
import type { ModelConfig, Params } from "./model.js";
import type { RunStore } from "./runs.js";
import { readSafetensors } from "./safetensors.js";
import { loadTokenizer, toGgufVocab } from "./tokenizer/index.js";
import { TOKENIZER_FILE, WEIGHTS_FILE } from "./trainer.js";

export const EXPORT_QUANTS = { f32: "F32", f16: "F16", q8_0: "Q8_0", q4_0: "Q4_0" } as const satisfies Record<
  string,
  LlamaWeightType
>;
export type ExportQuant = keyof typeof EXPORT_QUANTS;

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c] as number;
  return out;
}

export function llamaHparams(m: ModelConfig): LlamaHparams {
  return {
    nVocab: m.vocabSize,
    nCtx: m.seqLen,
    nEmbd: m.dim,
    nLayer: m.layers,
    nHead: m.heads,
    nHeadKv: m.kvHeads,
    nFf: m.ffnDim,
    ropeFreqBase: m.ropeTheta,
    rmsNormEps: m.normEps,
  };
}

/** Trainer parameters → llama.cpp tensor names, row-major [out, in]. */
export function toLlamaWeights(
  p: Params | Record<string, { shape: number[]; data: Float32Array }>,
  m: ModelConfig,
): LlamaWeights {
  const get = (k: string): { shape: number[]; data: Float32Array } => {
    const t = p[k];
    if (!t) throw new LlmopsError("integrity", `the weights lack '${k}'`);
    return t;
  };
  const t = (k: string): Float32Array => {
    const x = get(k);
    return transpose(x.data, x.shape[0] as number, x.shape[1] as number);
  };
  const w: LlamaWeights = {
    "token_embd.weight": get("tok_emb").data,
    "output_norm.weight": get("norm").data,
    "output.weight": t("head"),
  };
  for (let l = 0; l < m.layers; l++) {
    w[`blk.${l}.attn_norm.weight`] = get(`l${l}.attn_norm`).data;
    w[`blk.${l}.attn_q.weight`] = t(`l${l}.wq`);
    w[`blk.${l}.attn_k.weight`] = t(`l${l}.wk`);
    w[`blk.${l}.attn_v.weight`] = t(`l${l}.wv`);
    w[`blk.${l}.attn_output.weight`] = t(`l${l}.wo`);
    w[`blk.${l}.ffn_norm.weight`] = get(`l${l}.ffn_norm`).data;
    w[`blk.${l}.ffn_gate.weight`] = t(`l${l}.w1`);
    w[`blk.${l}.ffn_up.weight`] = t(`l${l}.w3`);
    w[`blk.${l}.ffn_down.weight`] = t(`l${l}.w2`);
  }
  return w;
}

export interface ExportOptions {
  runs: RunStore;
  registry: ModelRegistry;
  runsDir: string;
  run: string;
  quant: ExportQuant;
  /** Registered model name (default: the run's name, else "run-<id prefix>"). */
  name?: string;
  alias?: string;
  actor: string;
}

export interface ExportResult {
  file: string;
  bytes: number;
  tensorTypes: Record<string, string>;
  version: ModelVersion;
}

export interface RunGgufOptions {
  /** The run's folder: weights.safetensors and tokenizer.json. */
  dir: string;
  model: ModelConfig;
  quant: ExportQuant;
  /** general.name in the file. */
  name: string;
  /** Where the GGUF goes (written to a temporary file first, then renamed). */
  file: string;
}

/**
 * A run's final weights and tokenizer as a GGUF file. Nothing in the file depends on the run's id,
 * time or paths, so the same weights always give the same bytes (what `llmops train --recipe` checks).
 */
export async function writeRunGguf(
  o: RunGgufOptions,
): Promise<{ file: string; bytes: number; tensorTypes: Record<string, string> }> {
  const { tensors } = await readSafetensors(path.join(o.dir, WEIGHTS_FILE)).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      throw new LlmopsError("not_found", `There are no final weights (${WEIGHTS_FILE}) in ${o.dir}.`);
    throw error;
  });
  const params: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [k, v] of Object.entries(tensors)) if (k.startsWith("param.")) params[k.slice(6)] = v;
  const tok = await loadTokenizer(path.join(o.dir, TOKENIZER_FILE));
  await mkdir(path.dirname(o.file), { recursive: true });
  const tmp = `${o.file}.${process.pid}.tmp`;
  try {
    const built = await buildLlamaGguf(tmp, {
      hparams: llamaHparams(o.model),
      weights: toLlamaWeights(params, o.model),
      type: EXPORT_QUANTS[o.quant],
      vocab: toGgufVocab(tok),
      name: o.name,
      ...(tok.data.pieces.includes("<|im_start|>") ? { chatTemplate: CHATML_TEMPLATE } : {}),
    });
    await rename(tmp, o.file);
    return { file: o.file, bytes: built.bytes, tensorTypes: built.tensorTypes };
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

export async function exportRun(o: ExportOptions): Promise<ExportResult> {
  if (!(o.quant in EXPORT_QUANTS))
    throw new LlmopsError("usage", `--quant must be one of ${Object.keys(EXPORT_QUANTS).join(", ")}`);
  const run = await o.runs.get(o.run);
  if (run.status !== "completed" && run.status !== "stopped")
    throw new LlmopsError(
      "conflict",
      `Run ${run.id} is ${run.status}; only completed or stopped runs have final weights to export.`,
    );
  const model = run.params.model as ModelConfig | undefined;
  if (!model || typeof model.dim !== "number")
    throw new LlmopsError("invalid_request", `Run ${run.id} was not made by the built-in trainer.`);
  const summary = run.summary as { output_dir?: string; step?: number };
  const dir = summary.output_dir ?? path.join(o.runsDir, run.id);
  const type = EXPORT_QUANTS[o.quant];
  const exportsDir = path.join(dir, "exports");
  const slug = (run.name ?? "")
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[^a-z0-9]+/, "");
  const name = o.name ?? (slug || `run-${run.id.slice(0, 10).toLowerCase()}`);
  const file = path.join(exportsDir, `model-${o.quant}.gguf`);
  const built = await writeRunGguf({ dir, model, quant: o.quant, name, file });
  const version = await o.registry.register({
    file,
    name,
    alias: o.alias,
    description: `exported from run ${run.id} (${type})`,
    tags: { quant: o.quant, run: run.id },
    lineage: {
      runId: run.id,
      ...(typeof run.params.base === "string" ? { parent: run.params.base } : {}),
      gitCommit: run.gitCommit ?? undefined,
      dataset: run.dataset,
      ...(typeof run.dataset.version === "string" ? { datasetVersions: [run.dataset.version] } : {}),
      datasetHash: typeof run.dataset.hash === "string" ? run.dataset.hash : undefined,
      tokenizerHash: run.tokenizerHash ?? undefined,
      recipe: run.params.recipe,
      step: summary.step,
      quant: type,
    },
    actor: o.actor,
  });
  return { file, bytes: built.bytes, tensorTypes: built.tensorTypes, version };
}
