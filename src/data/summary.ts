// Streaming numeric summaries: exact count, sum, min, max and mean, plus quantiles from a seeded
// reservoir sample (fixed memory, reproducible for the same input).
import { mulberry32 } from "../util/random.js";

export { mulberry32 };

export interface SummaryJson {
  count: number;
  sum: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

export class Summary {
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  private readonly sample: number[] = [];
  private random: () => number;

  constructor(
    private readonly capacity = 10_000,
    seed = 42,
  ) {
    this.random = mulberry32(seed);
  }

  add(x: number): void {
    this.count++;
    this.sum += x;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    if (this.sample.length < this.capacity) this.sample.push(x);
    else {
      const j = Math.floor(this.random() * this.count);
      if (j < this.capacity) this.sample[j] = x;
    }
  }

  quantile(q: number): number | null {
    if (this.sample.length === 0) return null;
    const sorted = [...this.sample].sort((a, b) => a - b);
    return quantileSorted(sorted, q);
  }

  toJSON(): SummaryJson {
    const sorted = [...this.sample].sort((a, b) => a - b);
    const empty = this.count === 0;
    return {
      count: this.count,
      sum: this.sum,
      min: empty ? null : this.min,
      max: empty ? null : this.max,
      mean: empty ? null : round(this.sum / this.count),
      p50: empty ? null : quantileSorted(sorted, 0.5),
      p90: empty ? null : quantileSorted(sorted, 0.9),
      p99: empty ? null : quantileSorted(sorted, 0.99),
    };
  }
}

/** Linear interpolation between closest ranks (the common "type 7" definition). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return round(sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo));
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
