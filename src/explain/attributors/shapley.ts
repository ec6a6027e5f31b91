// Exact Shapley values by enumerating all 2^n coalitions: φ_i = Σ_{S ∌ i} |S|!(n−|S|−1)!/n! ·
// (f(S ∪ {i}) − f(S)). Exponential, so limited to a few features; it is the ground truth the
// KernelSHAP test compares against, and a method in its own right for sentence-level explanations.

import { invalidRequest } from "../../errors.js";
import type { AttributeOptions, AttributionOutput, Attributor, AttributorContext, Mask } from "../types.js";

export const SHAPLEY_MAX_FEATURES = 12;

export function exactShapley(n: number, value: (subset: number) => number): number[] {
  const fact = [1];
  for (let i = 1; i <= n; i++) fact.push((fact[i - 1] as number) * i);
  const phi = new Array<number>(n).fill(0);
  for (let s = 0; s < 1 << n; s++) {
    const size = popcount(s);
    for (let i = 0; i < n; i++) {
      if (s & (1 << i)) continue;
      const w = ((fact[size] as number) * (fact[n - size - 1] as number)) / (fact[n] as number);
      phi[i] = (phi[i] as number) + w * (value(s | (1 << i)) - value(s));
    }
  }
  return phi;
}

function popcount(x: number): number {
  let c = 0;
  for (let v = x; v; v &= v - 1) c++;
  return c;
}

export function subsetMask(n: number, s: number): Mask {
  const m = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (s & (1 << i)) m[i] = 1;
  return m;
}

export const shapley: Attributor = {
  name: "shapley",
  kind: "black-box",
  description: `exact Shapley values by enumerating all 2^n coalitions (at most ${SHAPLEY_MAX_FEATURES} features)`,
  plannedCalls: (n) => 2 ** Math.min(n, 30),
  minimumCalls: (n) => 2 ** Math.min(n, 30),
  async attribute({ coalitions }: AttributorContext, _options: AttributeOptions): Promise<AttributionOutput> {
    const n = coalitions.features.length;
    if (n > SHAPLEY_MAX_FEATURES)
      throw invalidRequest(
        `exact Shapley values need 2^n evaluations; the prompt has ${n} features (at most ${SHAPLEY_MAX_FEATURES}) — group coarser or use kernelshap.`,
        "method",
      );
    const masks: Mask[] = [];
    for (let s = 0; s < 1 << n; s++) masks.push(subsetMask(n, s));
    const v = await coalitions.values(masks);
    return { scores: exactShapley(n, (s) => v[s] as number), samplesUsed: masks.length };
  },
};
