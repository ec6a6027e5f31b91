// Perplexity outliers for `data report --model`: a sample of rows is scored under a registered
// model, and rows whose log-perplexity is far from the sample's median (robust z-score on the
// median and MAD) are reported — very high: noise, wrong language, broken encoding; very low:
// boilerplate and repetition. The scorer is injected so this module knows nothing of llama.cpp.
import type { RowAddress } from "../types.js";

export interface PerplexityScorer {
  /** The model's reference, for the report. */
  model: string;
  /** Perplexity of a text under the model, or null when it cannot be scored (too short, too long). */
  score(text: string): Promise<number | null>;
}

export interface PerplexityExample extends RowAddress {
  perplexity: number;
  /** Robust z-score of log-perplexity. */
  score: number;
  preview: string;
}

export interface PerplexityReport {
  model: string;
  /** Rows scored (an evenly spaced sample) and rows the model could not score. */
  scored: number;
  skipped: number;
  median: number | null;
  p95: number | null;
  threshold: number;
  count: number;
  examples: PerplexityExample[];
}

export const PERPLEXITY_Z = 3.5;

/** exp(−mean log p) over the tokens that have a log-probability (all but the first). */
export function perplexityOf(logprobs: ReadonlyArray<number | null>): number | null {
  let sum = 0;
  let n = 0;
  for (const lp of logprobs) {
    if (lp === null || !Number.isFinite(lp)) continue;
    sum += lp;
    n++;
  }
  return n === 0 ? null : Math.exp(-sum / n);
}

/** Collects scores during the profiling pass, then finds the outliers. */
export class PerplexitySampler {
  private readonly samples: Array<RowAddress & { perplexity: number; preview: string }> = [];
  private skipped = 0;
  private seen = 0;
  private readonly stride: number;

  constructor(
    private readonly scorer: PerplexityScorer,
    totalRows: number,
    private readonly sampleSize: number,
  ) {
    this.stride = Math.max(1, Math.ceil(totalRows / Math.max(1, sampleSize)));
  }

  /** Call for every row with text, in order; scores every stride-th one. */
  async observe(text: string, address: RowAddress): Promise<void> {
    const take = this.seen % this.stride === 0 && this.samples.length + this.skipped < this.sampleSize;
    this.seen++;
    if (!take) return;
    const perplexity = await this.scorer.score(text);
    if (perplexity === null || !Number.isFinite(perplexity)) {
      this.skipped++;
      return;
    }
    this.samples.push({ ...address, perplexity, preview: preview(text) });
  }

  report(examplesPerSide = 5): PerplexityReport {
    const logs = this.samples.map((s) => Math.log(s.perplexity)).sort((a, b) => a - b);
    const base = {
      model: this.scorer.model,
      scored: this.samples.length,
      skipped: this.skipped,
      threshold: PERPLEXITY_Z,
    };
    if (logs.length === 0) return { ...base, median: null, p95: null, count: 0, examples: [] };
    const median = quantile(logs, 0.5);
    const deviations = logs.map((x) => Math.abs(x - median)).sort((a, b) => a - b);
    const mad = quantile(deviations, 0.5);
    // Modified z-score (Iglewicz & Hoaglin); the mean absolute deviation stands in when MAD is 0.
    const meanDeviation = deviations.reduce((a, b) => a + b, 0) / deviations.length;
    const scale = mad > 0 ? mad / 0.6745 : meanDeviation * 1.253314;
    const scored = this.samples.map((s) => ({
      ...s,
      score: scale > 0 ? Math.round(((Math.log(s.perplexity) - median) / scale) * 100) / 100 : 0,
    }));
    const outliers = scored.filter((s) => Math.abs(s.score) > PERPLEXITY_Z);
    const byScore = [...outliers].sort((a, b) => a.score - b.score);
    const examples = [...byScore.slice(0, examplesPerSide), ...byScore.slice(examplesPerSide).slice(-examplesPerSide)];
    return {
      ...base,
      median: round(Math.exp(median)),
      p95: round(Math.exp(quantile(logs, 0.95))),
      count: outliers.length,
      examples: examples.map((e) => ({ ...e, perplexity: round(e.perplexity) })),
    };
  }
}

function quantile(sorted: readonly number[], p: number): number {
  const i = (sorted.length - 1) * p;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (i - lo);
}

function preview(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 100 ? `${flat.slice(0, 97)}…` : flat;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
