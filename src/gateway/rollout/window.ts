// A sliding window of request outcomes (time, latency, failed?) in a fixed ring buffer: constant
// memory per rollout arm whatever the traffic, O(1) to record.

const CAPACITY = 16_384;

export class OutcomeWindow {
  private readonly times = new Float64Array(CAPACITY);
  private readonly latencies = new Float64Array(CAPACITY);
  private readonly failed = new Uint8Array(CAPACITY);
  private start = 0;
  private count = 0;

  record(at: number, latencyMs: number, failed: boolean): void {
    const index = (this.start + this.count) % CAPACITY;
    this.times[index] = at;
    this.latencies[index] = latencyMs;
    this.failed[index] = failed ? 1 : 0;
    if (this.count < CAPACITY) this.count++;
    else this.start = (this.start + 1) % CAPACITY; // full: the oldest outcome makes room
  }

  /** Drops outcomes older than `since`. */
  prune(since: number): void {
    while (this.count > 0 && this.times[this.start]! < since) {
      this.start = (this.start + 1) % CAPACITY;
      this.count--;
    }
  }

  get size(): number {
    return this.count;
  }

  /** Samples, failures and p95 latency of what the window holds (call prune first). */
  stats(): { samples: number; errors: number; errorRate: number; p95Ms: number | null } {
    const n = this.count;
    if (n === 0) return { samples: 0, errors: 0, errorRate: 0, p95Ms: null };
    const sorted = new Float64Array(n);
    let errors = 0;
    for (let i = 0; i < n; i++) {
      const index = (this.start + i) % CAPACITY;
      sorted[i] = this.latencies[index]!;
      errors += this.failed[index]!;
    }
    sorted.sort();
    // Nearest-rank p95: the smallest value with at least 95% of the samples at or below it.
    const p95 = sorted[Math.min(n - 1, Math.ceil(0.95 * n) - 1)]!;
    return { samples: n, errors, errorRate: errors / n, p95Ms: Math.round(p95 * 1000) / 1000 };
  }
}
