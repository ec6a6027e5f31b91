// Random attribution: seeded standard-normal scores. Not an explanation — the baseline every
// faithfulness number is compared with (a method is only useful where it beats this).
import type { AttributeOptions, AttributionOutput, Attributor, AttributorContext } from "../types.js";
import { rng } from "./sampling.js";

export function randomScores(n: number, seed: number): number[] {
  const u = rng(seed);
  return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(u() + 1e-12)) * Math.cos(2 * Math.PI * u()));
}

export const randomAttributor: Attributor = {
  name: "random",
  kind: "black-box",
  description: "random scores (seeded): the baseline the faithfulness numbers are compared with",
  plannedCalls: () => 0,
  minimumCalls: () => 0,
  async attribute({ coalitions }: AttributorContext, options: AttributeOptions): Promise<AttributionOutput> {
    return { scores: randomScores(coalitions.features.length, options.seed), samplesUsed: 0 };
  },
};
