// Statistics for paired comparisons (the bias audit's counterfactual pairs): a sign-flip
// permutation test, a percentile bootstrap interval, Cohen's d for paired data, and Holm's
// correction when several tests are read together. Everything random is seeded (mulberry32), so a
// report is reproducible to the digit.
//
// Why sign flips: under "the attribute makes no difference", swapping the two sides of a pair is
// as likely as not, so each paired difference is symmetric around 0 and its sign can be flipped at
// random. The p-value is the share of flipped samples whose mean is at least as far from 0 as the
// observed one. With few pairs (2^n ≤ the iteration budget) every flip pattern is enumerated and
// the p-value is exact.
import { mulberry32 } from "../../util/random.js";

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  let sum = 0;
  for (const x of xs) sum += x;
  return sum / xs.length;
}

/** Sample standard deviation (n − 1); 0 for fewer than two values. */
export function standardDeviation(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  let ss = 0;
  for (const x of xs) ss += (x - m) ** 2;
  return Math.sqrt(ss / (xs.length - 1));
}

/**
 * Cohen's d for paired data (d_z): mean difference over the standard deviation of the differences.
 * null when the differences do not vary: 0/0 when they are all 0 (no effect), and "infinitely
 * consistent" when they are all the same non-zero value — callers treat that as exceeding any
 * effect-size threshold.
 */
export function cohensDz(diffs: readonly number[]): number | null {
  const sd = standardDeviation(diffs);
  const m = mean(diffs);
  // Relative tolerance: floating noise on identical values must not become a huge d.
  if (sd <= 1e-12 * Math.max(1, Math.abs(m))) return m === 0 || diffs.length === 0 ? 0 : null;
  return m / sd;
}

export interface PermutationResult {
  /** Mean of the observed differences. */
  mean: number;
  /** Two-sided p-value. */
  pValue: number;
  /** Flip patterns evaluated. */
  iterations: number;
  /** True when every one of the 2^n patterns was evaluated (the p-value is exact). */
  exact: boolean;
}

export interface PermutationOptions {
  /** Monte Carlo samples when enumeration is too large (default 10,000). */
  iterations?: number;
  seed?: number;
}

/** Paired sign-flip permutation test of "mean difference = 0". */
export function signFlipTest(diffs: readonly number[], options: PermutationOptions = {}): PermutationResult {
  const n = diffs.length;
  const observed = mean(diffs);
  if (n === 0) return { mean: 0, pValue: 1, iterations: 0, exact: true };
  const budget = Math.max(100, Math.floor(options.iterations ?? 10_000));
  const target = Math.abs(observed);
  // Compare sums, not means, and allow for float rounding so a tie counts as "at least as extreme".
  const targetSum = target * n * (1 - 1e-12) - 1e-12;
  if (n <= 20 && 2 ** n <= budget) {
    const patterns = 2 ** n;
    let extreme = 0;
    for (let mask = 0; mask < patterns; mask++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += mask & (1 << i) ? -(diffs[i] as number) : (diffs[i] as number);
      if (Math.abs(sum) >= targetSum) extreme++;
    }
    return { mean: observed, pValue: extreme / patterns, iterations: patterns, exact: true };
  }
  const random = mulberry32(options.seed ?? 1);
  let extreme = 0;
  for (let k = 0; k < budget; k++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += random() < 0.5 ? -(diffs[i] as number) : (diffs[i] as number);
    if (Math.abs(sum) >= targetSum) extreme++;
  }
  // +1 in numerator and denominator: the observed pattern is one of the possible ones, so a Monte
  // Carlo p-value is never exactly 0 (Phipson & Smyth 2010).
  return { mean: observed, pValue: (extreme + 1) / (budget + 1), iterations: budget, exact: false };
}

export interface BootstrapOptions {
  iterations?: number;
  seed?: number;
  /** Coverage of the interval (default 0.95). */
  level?: number;
}

/** Percentile bootstrap confidence interval of the mean. */
export function bootstrapMeanInterval(xs: readonly number[], options: BootstrapOptions = {}): [number, number] {
  const n = xs.length;
  if (n === 0) return [0, 0];
  const iterations = Math.max(100, Math.floor(options.iterations ?? 2_000));
  const level = options.level ?? 0.95;
  const random = mulberry32(options.seed ?? 2);
  const means = new Float64Array(iterations);
  for (let k = 0; k < iterations; k++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += xs[Math.floor(random() * n)] as number;
    means[k] = sum / n;
  }
  means.sort();
  const lo = Math.floor(((1 - level) / 2) * (iterations - 1));
  const hi = Math.ceil((1 - (1 - level) / 2) * (iterations - 1));
  return [means[lo] as number, means[hi] as number];
}

/** Holm–Bonferroni adjusted p-values (same order as the input); controls the family-wise error. */
export function holmAdjust(pValues: readonly number[]): number[] {
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const adjusted = new Array<number>(pValues.length).fill(1);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (pValues.length - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}

export type EffectLabel = "negligible" | "small" | "medium" | "large";

/** Cohen's conventional labels (0.2 / 0.5 / 0.8); null d (constant non-zero difference) is large. */
export function effectLabel(d: number | null): EffectLabel {
  if (d === null) return "large";
  const a = Math.abs(d);
  if (a < 0.2) return "negligible";
  if (a < 0.5) return "small";
  if (a < 0.8) return "medium";
  return "large";
}

/** Share of pairs whose difference is positive (ties count half): the "probability of superiority". */
export function shareAbove(diffs: readonly number[]): number {
  if (diffs.length === 0) return 0.5;
  let score = 0;
  for (const d of diffs) score += d > 0 ? 1 : d === 0 ? 0.5 : 0;
  return score / diffs.length;
}
