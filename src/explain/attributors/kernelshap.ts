// KernelSHAP (Lundberg & Lee 2017): Shapley values as the solution of a weighted least-squares
// problem over coalitions z with the Shapley kernel π(z) = (n−1) / (C(n,|z|)·|z|·(n−|z|)), subject
// to efficiency Σφ = f(all) − f(none) (enforced exactly by eliminating the last feature).
//
// Coalitions are chosen as the shap library does: sizes are taken in pairs from the outside in
// (1 and n−1, then 2 and n−2, …); a pair whose every coalition fits in the remaining samples is
// enumerated with its exact kernel weights, and the rest of the samples are drawn at random from the
// remaining sizes (with each draw's complement, which halves the variance) and share the remaining
// kernel mass. With samples ≥ 2^n − 2 everything is enumerated and the result is the exact Shapley
// values (shapley.ts checks this by brute force).
import { emptyMask, fullMask } from "../features.js";
import { choose, weightedLeastSquares } from "../linear.js";
import type { AttributeOptions, AttributionOutput, Attributor, AttributorContext, Mask } from "../types.js";
import { complement, maskKey, randomMask, rng, samplesWithin } from "./sampling.js";

export const KERNELSHAP_DEFAULT_SAMPLES = 256;

/** Kernel mass of all coalitions of one size (proportional to π summed over the size). */
function sizeMass(n: number, s: number): number {
  return (n - 1) / (s * (n - s));
}

function* combinations(n: number, k: number): Generator<Mask> {
  const idx = Array.from({ length: k }, (_, i) => i);
  while (true) {
    const m = new Uint8Array(n);
    for (const i of idx) m[i] = 1;
    yield m;
    let i = k - 1;
    while (i >= 0 && idx[i] === n - k + i) i--;
    if (i < 0) return;
    idx[i] = (idx[i] as number) + 1;
    for (let j = i + 1; j < k; j++) idx[j] = (idx[j - 1] as number) + 1;
  }
}

/** Coalitions and their weights for n features and a sample budget (the shap library's scheme). */
export function kernelShapDesign(
  n: number,
  samples: number,
  seed: number,
): { masks: Mask[]; weights: number[]; exact: boolean } {
  const masks: Mask[] = [];
  const weights: number[] = [];
  let left = samples;
  const remainingSizes: number[] = [];
  let enumerating = true;
  for (let k = 1; k <= Math.floor(n / 2); k++) {
    const sizes = k === n - k ? [k] : [k, n - k];
    const count = sizes.reduce((a, s) => a + choose(n, s), 0);
    if (enumerating && count <= left) {
      for (const s of sizes) {
        const w = sizeMass(n, s) / choose(n, s);
        for (const m of combinations(n, s)) {
          masks.push(m);
          weights.push(w);
        }
      }
      left -= count;
    } else {
      enumerating = false;
      remainingSizes.push(...sizes);
    }
  }
  if (remainingSizes.length === 0 || left < 2) return { masks, weights, exact: remainingSizes.length === 0 };
  // Random part: draw a size ∝ its mass (paired with its complement's size), a random coalition of
  // it, and its complement; duplicates accumulate weight.
  const lower = remainingSizes.filter((s) => s <= n - s);
  const pairMass = lower.map((s) => sizeMass(n, s) + (s === n - s ? 0 : sizeMass(n, n - s)));
  const totalMass = pairMass.reduce((a, b) => a + b, 0);
  const random = rng(seed);
  const drawn = new Map<string, { mask: Mask; count: number }>();
  const pairs = Math.floor(left / 2);
  for (let d = 0; d < pairs; d++) {
    let u = random() * totalMass;
    let s = lower[lower.length - 1] as number;
    for (let i = 0; i < lower.length; i++) {
      u -= pairMass[i] as number;
      if (u <= 0) {
        s = lower[i] as number;
        break;
      }
    }
    // Half the time start from the larger side, so sizes s and n−s are both drawn as "the sample".
    const size = random() < 0.5 ? s : n - s;
    const m = randomMask(n, size, random);
    for (const x of [m, complement(m)]) {
      const key = maskKey(x);
      const hit = drawn.get(key);
      if (hit) hit.count++;
      else drawn.set(key, { mask: x, count: 1 });
    }
  }
  const per = totalMass / (2 * pairs);
  for (const { mask, count } of drawn.values()) {
    masks.push(mask);
    weights.push(per * count);
  }
  return { masks, weights, exact: false };
}

/** Constrained WLS: φ with Σφ = total, fitting y − f0 ≈ z·φ (eliminates the last feature). */
export function solveShapley(
  masks: readonly Mask[],
  y: readonly number[],
  w: readonly number[],
  f0: number,
  total: number,
): number[] {
  const n = masks[0]?.length ?? 0;
  if (n === 1) return [total];
  const X: Float64Array[] = [];
  const t: number[] = [];
  for (let i = 0; i < masks.length; i++) {
    const m = masks[i] as Mask;
    const last = m[n - 1] as number;
    const row = new Float64Array(n - 1);
    for (let j = 0; j < n - 1; j++) row[j] = (m[j] as number) - last;
    X.push(row);
    t.push((y[i] as number) - f0 - last * total);
  }
  const scale = w.reduce((a, b) => a + b, 0);
  const { coef } = weightedLeastSquares(X, t, w, { ridge: 1e-10 * scale });
  const lastPhi = total - coef.reduce((a, b) => a + b, 0);
  return [...coef, lastPhi];
}

export const kernelShap: Attributor = {
  name: "kernelshap",
  kind: "black-box",
  description:
    "KernelSHAP: Shapley-kernel weighted least squares with Σφ = f(all) − f(none); exact when samples ≥ 2^n − 2",
  plannedCalls: (n, o) => Math.min(o.samples ?? KERNELSHAP_DEFAULT_SAMPLES, 2 ** Math.min(n, 40) - 2) + 2,
  minimumCalls: (n) => Math.min(n + 2, 12),
  async attribute({ coalitions }: AttributorContext, options: AttributeOptions): Promise<AttributionOutput> {
    const n = coalitions.features.length;
    const asked = options.samples ?? KERNELSHAP_DEFAULT_SAMPLES;
    const all = 2 ** Math.min(n, 40) - 2;
    const { samples, truncated } = samplesWithin(Math.min(asked, all), coalitions.remaining(), 2);
    const [fAll, fNone] = await coalitions.values([fullMask(n), emptyMask(n)]);
    const total = (fAll as number) - (fNone as number);
    const design = kernelShapDesign(n, samples, options.seed);
    const notes: string[] = [];
    if (truncated) notes.push(`KernelSHAP used ${samples} of the ${asked} samples asked for: the budget ran out.`);
    if (design.masks.length === 0) {
      notes.push("No coalition samples fitted in the budget: every feature gets an equal share of f(all) − f(none).");
      return { scores: new Array(n).fill(total / n), samplesUsed: 2, truncated: true, notes };
    }
    const y = await coalitions.values(design.masks);
    const scores = solveShapley(design.masks, y, design.weights, fNone as number, total);
    if (design.exact) notes.push("Every coalition was evaluated: these are the exact Shapley values.");
    return { scores, samplesUsed: design.masks.length + 2, truncated, notes };
  },
};
