// Model and optimiser hyper-parameters of the built-in llama-style trainer, the learning-rate
// schedule, and seeded parameter initialisation. Pure TypeScript (no tensor library), so the
// same numbers feed every TrainingBackend, checkpoints and the GGUF export.
import { invalidRequest } from "../errors.js";
import { mulberry32 } from "../util/random.js";

export interface ModelConfig {
  vocabSize: number;
  dim: number; // embedding width
  layers: number;
  heads: number;
  kvHeads: number; // < heads for grouped-query attention; must divide heads
  ffnDim: number; // SwiGLU hidden width
  seqLen: number; // training context length
  ropeTheta: number;
  normEps: number;
}

export interface OptimConfig {
  lr: number; // peak learning rate
  minLrRatio: number; // cosine decays to lr * minLrRatio
  warmupSteps: number;
  totalSteps: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number; // decoupled (AdamW), matrices only
  clipNorm: number; // global gradient-norm clip; 0 disables
}

export const defaultOptim: OptimConfig = {
  lr: 3e-3,
  minLrRatio: 0.1,
  warmupSteps: 10,
  totalSteps: 100,
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  weightDecay: 0.1,
  clipNorm: 1,
};

export function validateModelConfig(m: ModelConfig): void {
  const ints: (keyof ModelConfig)[] = ["vocabSize", "dim", "layers", "heads", "kvHeads", "ffnDim", "seqLen"];
  for (const k of ints) {
    const v = m[k];
    if (!Number.isInteger(v) || v < 1) throw invalidRequest(`model.${k} must be a positive integer (got ${v})`, k);
  }
  if (m.dim % m.heads !== 0)
    throw invalidRequest(`model.dim (${m.dim}) must be divisible by model.heads (${m.heads})`, "dim");
  if ((m.dim / m.heads) % 2 !== 0)
    throw invalidRequest("model.dim / model.heads must be even (RoPE rotates pairs)", "heads");
  if (m.heads % m.kvHeads !== 0)
    throw invalidRequest(`model.heads (${m.heads}) must be a multiple of model.kvHeads (${m.kvHeads})`, "kvHeads");
}

/** Learning rate for a 1-based step: linear warm-up, then cosine decay to lr·minLrRatio at totalSteps. */
export function lrAt(step: number, o: OptimConfig): number {
  if (o.warmupSteps > 0 && step <= o.warmupSteps) return (o.lr * step) / o.warmupSteps;
  const span = Math.max(1, o.totalSteps - o.warmupSteps);
  const p = Math.min(1, Math.max(0, (step - o.warmupSteps) / span));
  return o.lr * (o.minLrRatio + (1 - o.minLrRatio) * 0.5 * (1 + Math.cos(Math.PI * p)));
}

/** mulberry32 with Box–Muller normals: tiny, fast and identical on every platform. */
export function seededRng(seed: number): { uniform(): number; normal(): number } {
  const uniform = mulberry32(seed);
  const normal = (): number => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

export interface ParamTensor {
  shape: number[];
  data: Float32Array;
  decay: boolean; // AdamW weight decay applies (matrices) or not (norms, embeddings)
}

/** Parameters by name. Matrices are stored [in, out] (y = x @ W); the GGUF export transposes. */
export type Params = Record<string, ParamTensor>;

export function headDim(m: ModelConfig): number {
  return m.dim / m.heads;
}

/** GPT-2-style init: N(0, 0.02), residual projections scaled by 1/sqrt(2·layers); norms at 1. */
export function initParams(m: ModelConfig, seed: number): Params {
  validateModelConfig(m);
  const r = seededRng(seed);
  const normal = (shape: number[], std: number): Float32Array => {
    const n = shape.reduce((a, b) => a * b, 1);
    const d = new Float32Array(n);
    for (let i = 0; i < n; i++) d[i] = r.normal() * std;
    return d;
  };
  const kvDim = headDim(m) * m.kvHeads;
  const resStd = 0.02 / Math.sqrt(2 * m.layers);
  const P: Params = {};
  const mat = (name: string, shape: number[], std: number, decay = true): void => {
    P[name] = { shape, data: normal(shape, std), decay };
  };
  const ones = (name: string, n: number): void => {
    P[name] = { shape: [n], data: new Float32Array(n).fill(1), decay: false };
  };
  mat("tok_emb", [m.vocabSize, m.dim], 0.02, false);
  for (let l = 0; l < m.layers; l++) {
    ones(`l${l}.attn_norm`, m.dim);
    mat(`l${l}.wq`, [m.dim, m.dim], 0.02);
    mat(`l${l}.wk`, [m.dim, kvDim], 0.02);
    mat(`l${l}.wv`, [m.dim, kvDim], 0.02);
    mat(`l${l}.wo`, [m.dim, m.dim], resStd);
    ones(`l${l}.ffn_norm`, m.dim);
    mat(`l${l}.w1`, [m.dim, m.ffnDim], 0.02); // gate
    mat(`l${l}.w3`, [m.dim, m.ffnDim], 0.02); // up
    mat(`l${l}.w2`, [m.ffnDim, m.dim], resStd); // down
  }
  ones("norm", m.dim);
  mat("head", [m.dim, m.vocabSize], 0.02);
  return P;
}

export function countParams(p: Params): number {
  let n = 0;
  for (const t of Object.values(p)) n += t.data.length;
  return n;
}
