// Seeded normal samples (mulberry32 + Box-Muller), so a seed always gives the same weights and
// therefore a byte-identical model file on every machine.
import { mulberry32 } from "../../util/random.js";

export { mulberry32 };

/** Standard normal samples; one uniform pair per sample (the sine half is dropped, as in the reference). */
export function normalSampler(seed: number): () => number {
  const u = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(u() + 1e-12)) * Math.cos(2 * Math.PI * u());
}
