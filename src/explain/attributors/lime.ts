// LIME (Ribeiro et al. 2016) for text, as the reference implementation does it: each sample deletes a
// uniformly drawn number (1…n) of random features; samples are weighted by an exponential kernel on
// their cosine distance to the original (d = 1 − sqrt(kept / n), width 0.25, the library's
// 25 on a 0–100 scale); a weighted linear model with intercept is fitted to the log-probabilities and
// its coefficients are the scores. A light ridge (1e-3 × total weight) keeps the fit defined when
// there are fewer samples than features; it barely shrinks otherwise.
import { fullMask } from "../features.js";
import { weightedLeastSquares } from "../linear.js";
import type { AttributeOptions, AttributionOutput, Attributor, AttributorContext, Mask } from "../types.js";
import { randomMask, rng, samplesWithin } from "./sampling.js";

export const LIME_DEFAULT_SAMPLES = 200;
const KERNEL_WIDTH = 0.25;

export function limeKernel(kept: number, n: number): number {
  const d = kept === 0 ? 1 : 1 - Math.sqrt(kept / n);
  return Math.sqrt(Math.exp(-(d * d) / (KERNEL_WIDTH * KERNEL_WIDTH)));
}

export const lime: Attributor = {
  name: "lime",
  kind: "black-box",
  description: "LIME: random deletions, weighted linear fit (kernel on cosine distance); --samples evaluations",
  plannedCalls: (_n, o) => (o.samples ?? LIME_DEFAULT_SAMPLES) + 1,
  minimumCalls: (n) => Math.min(n + 1, 10),
  async attribute({ coalitions }: AttributorContext, options: AttributeOptions): Promise<AttributionOutput> {
    const n = coalitions.features.length;
    const asked = options.samples ?? LIME_DEFAULT_SAMPLES;
    const { samples, truncated } = samplesWithin(asked, coalitions.remaining() - 1, 0);
    const random = rng(options.seed);
    const masks: Mask[] = [fullMask(n)];
    for (let s = 0; s < samples; s++) {
      const removed = 1 + Math.floor(random() * n);
      masks.push(randomMask(n, n - removed, random));
    }
    const y = await coalitions.values(masks);
    const w = masks.map((m) =>
      limeKernel(
        m.reduce((a, b) => a + b, 0),
        n,
      ),
    );
    const total = w.reduce((a, b) => a + b, 0);
    const fit = weightedLeastSquares(masks, y, w, { intercept: true, ridge: 1e-3 * total });
    const notes: string[] = [];
    if (truncated) notes.push(`LIME drew ${samples} of the ${asked} samples asked for: the budget ran out.`);
    if (samples < n)
      notes.push(`LIME had fewer samples (${samples}) than features (${n}); the fit is underdetermined.`);
    return { scores: fit.coef, samplesUsed: masks.length, truncated, notes };
  },
};
