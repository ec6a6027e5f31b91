// Trainer speed: training tokens/s of the built-in trainer (jax-js, wasm, jit) and the fraction of
// this machine's matmul peak it reaches, both measured in the same process.
//
//   npm run build && node dist/bench/train.js [--steps 20] [--dim 128] [--layers 4] [--seq 128] [--batch 16] [--vocab 1000]
//
// Peak: the best of jit-compiled float32 matmuls of the shapes the model uses (and a square one).
// Model FLOPs per token: 6 × (matrix parameters incl. the one-hot embedding matmul) plus the
// attention score/value matmuls (12·seq·dim per layer) and the RoPE rotation matmuls; the first
// steps (jit compilation) are left out of the median.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { defaultFfnDim } from "../src/train/config.js";
import { readTextFiles, tokenize, trainBatch } from "../src/train/data.js";
import { createJaxBackend, loadJax } from "../src/train/jax-backend.js";
import { defaultOptim, headDim, initParams, type ModelConfig } from "../src/train/model.js";
import { SpmTokenizer, trainTokenizer } from "../src/train/tokenizer/index.js";

const { values: args } = parseArgs({
  options: {
    steps: { type: "string", default: "20" },
    dim: { type: "string", default: "128" },
    layers: { type: "string", default: "4" },
    heads: { type: "string", default: "4" },
    seq: { type: "string", default: "128" },
    batch: { type: "string", default: "16" },
    vocab: { type: "string", default: "1000" },
  },
});
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const files = [path.join(root, "data/corpora/tang-poems.txt")];
const D = Number(args.dim);
const model: ModelConfig = {
  vocabSize: Number(args.vocab),
  dim: D,
  layers: Number(args.layers),
  heads: Number(args.heads),
  kvHeads: Number(args.heads),
  ffnDim: defaultFfnDim(D),
  seqLen: Number(args.seq),
  ropeTheta: 10000,
  normEps: 1e-5,
};
const B = Number(args.batch);
const steps = Number(args.steps);

// 1. Peak matmul GFLOP/s on this machine, now.
const jax = await loadJax();
const { numpy: np, jit } = jax;
const mm = jit((a: import("@jax-js/jax").Array, b: import("@jax-js/jax").Array) => np.matmul(a, b));
async function gflops(m: number, k: number, n: number): Promise<number> {
  const a = np.array(Float32Array.from({ length: m * k }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5)).reshape([m, k]);
  const b = np
    .array(Float32Array.from({ length: k * n }, (_, i) => ((i * 104729) % 1000) / 1000 - 0.5))
    .reshape([k, n]);
  const once = async (): Promise<void> => {
    await mm(a.ref, b.ref).data();
  };
  for (let i = 0; i < 3; i++) await once();
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    for (let i = 0; i < 5; i++) await once();
    best = Math.min(best, (performance.now() - t) / 5);
  }
  a.dispose();
  b.dispose();
  return (2 * m * k * n) / best / 1e6;
}
const rows = B * model.seqLen;
const peaks = {
  [`${rows}x${D}@${D}x${model.ffnDim}`]: await gflops(rows, D, model.ffnDim),
  [`${rows}x${D}@${D}x${D}`]: await gflops(rows, D, D),
  "512x512@512x512": await gflops(512, 512, 512),
};
const peak = Math.max(...Object.values(peaks));

// 2. Training on the Tang poems with a tokenizer trained here.
const { data } = await trainTokenizer({ files, vocabSize: model.vocabSize });
const tok = new SpmTokenizer(data);
const { texts } = await readTextFiles(files);
const { train } = tokenize(texts, tok, 0.05, model.seqLen);
const params = initParams(model, 1234);
const be = await createJaxBackend({ model, optim: { ...defaultOptim, totalSteps: steps }, params });
const times: number[] = [];
const losses: number[] = [];
for (let s = 1; s <= steps; s++) {
  const batch = trainBatch(train, 1234, s, B, model.seqLen);
  const t = performance.now();
  const r = await be.step(batch);
  times.push((performance.now() - t) / 1000);
  losses.push(r.loss);
}
be.dispose();
const warm = times.slice(Math.min(3, times.length - 1)).sort((a, b) => a - b);
const secs = warm[Math.floor(warm.length / 2)] as number;
const tokensPerS = (B * model.seqLen) / secs;

const HD = headDim(model);
const kvDim = HD * model.kvHeads;
const matrixParams =
  model.vocabSize * D + // one-hot embedding matmul
  model.layers * (D * D * 2 + D * kvDim * 2 + 3 * D * model.ffnDim) +
  D * model.vocabSize;
const attention = model.layers * 2 * 2 * model.seqLen * D; // QKᵀ and AV, forward, per token
const rope = model.layers * 2 * (D + kvDim) * HD; // x @ R for q and k, forward, per token
const flopsPerToken = 6 * matrixParams + 3 * (attention + rope);
const achieved = (flopsPerToken * tokensPerS) / 1e9;
console.log(
  JSON.stringify(
    {
      backend: "jax-js-wasm (1 thread)",
      model: { ...model, parameters: Object.values(params).reduce((n, t) => n + t.data.length, 0) },
      batch: B,
      steps,
      first_step_s: +(times[0] ?? 0).toFixed(2),
      median_step_s: +secs.toFixed(3),
      tokens_per_s: Math.round(tokensPerS),
      loss_first: +(losses[0] ?? 0).toFixed(3),
      loss_last: +(losses.at(-1) ?? 0).toFixed(3),
      model_gflop_per_token: +(flopsPerToken / 1e9).toFixed(4),
      achieved_gflops: +achieved.toFixed(2),
      matmul_peak_gflops: Object.fromEntries(Object.entries(peaks).map(([k, v]) => [k, +v.toFixed(2)])),
      fraction_of_peak: +(achieved / peak).toFixed(3),
    },
    null,
    2,
  ),
);
process.exit(0);
