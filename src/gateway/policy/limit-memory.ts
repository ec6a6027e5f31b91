// In-process counters for one gateway (no Redis configured). JavaScript runs one callback at a time,
// so check-and-add needs no lock to be atomic.
import type { CounterSpec, CounterState, LimitStore, ReserveResult } from "./limit-store.js";

interface Entry {
  value: number;
  expiresAt: number;
}

const SWEEP_MS = 60_000;

export class MemoryLimitStore implements LimitStore {
  readonly kind = "memory" as const;
  private readonly counters = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    // Expired windows are dropped lazily on access and by this sweep, so memory follows the number
    // of active keys × windows, not the number of requests.
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  private live(key: string, now: number): Entry | undefined {
    const entry = this.counters.get(key);
    if (entry !== undefined && entry.expiresAt <= now) {
      this.counters.delete(key);
      return undefined;
    }
    return entry;
  }

  private state(entry: Entry | undefined, now: number): CounterState {
    return entry === undefined ? { used: 0, resetMs: 0 } : { used: entry.value, resetMs: entry.expiresAt - now };
  }

  reserve(counters: readonly CounterSpec[]): ReserveResult {
    const now = this.now();
    for (let index = 0; index < counters.length; index++) {
      const counter = counters[index]!;
      const entry = this.live(counter.key, now);
      if ((entry?.value ?? 0) + counter.amount > counter.limit) {
        const state = this.state(entry, now);
        if (entry === undefined) state.resetMs = counter.ttlMs;
        return { ok: false, index, state };
      }
    }
    const states: CounterState[] = [];
    for (const counter of counters) {
      let entry = this.live(counter.key, now);
      if (entry === undefined) {
        entry = { value: 0, expiresAt: now + counter.ttlMs };
        this.counters.set(counter.key, entry);
      }
      entry.value += counter.amount;
      states.push(this.state(entry, now));
    }
    return { ok: true, states };
  }

  async adjust(keys: readonly string[], deltas: readonly number[]): Promise<void> {
    const now = this.now();
    keys.forEach((key, i) => {
      const entry = this.live(key, now);
      if (entry !== undefined) entry.value = Math.max(0, entry.value + deltas[i]!);
    });
  }

  async peek(keys: readonly string[]): Promise<CounterState[]> {
    const now = this.now();
    return keys.map((key) => this.state(this.live(key, now), now));
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.counters) if (entry.expiresAt <= now) this.counters.delete(key);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }
}
