// Shared counters for rate limits and budgets. `reserve` is an atomic check-and-add over several
// counters at once: either every counter stays within its limit and all are incremented, or none is.
// That is what makes limits exact when several gateways share one store (Redis), and keeps one
// request from half-reserving (e.g. key budget taken, team budget refused).

/** One fixed-window counter: `key` names the window (it contains the window's start). */
export interface CounterSpec {
  key: string;
  limit: number;
  amount: number;
  /** Milliseconds until the window ends (the counter's time to live). */
  ttlMs: number;
}

export interface CounterState {
  used: number;
  /** Milliseconds until the window ends (0 when the counter does not exist). */
  resetMs: number;
}

export type ReserveResult =
  | { ok: true; states: CounterState[] }
  /** `index` is the first counter that would go over; `state` is its value before this request. */
  | { ok: false; index: number; state: CounterState };

export interface LimitStore {
  readonly kind: "memory" | "redis";
  /** In-process stores answer at once (no promise on the request path); Redis answers with a promise. */
  reserve(counters: readonly CounterSpec[]): ReserveResult | Promise<ReserveResult>;
  /** Adds `deltas[i]` (may be negative) to each counter that still exists (reconciling a reservation). */
  adjust(keys: readonly string[], deltas: readonly number[]): Promise<void>;
  peek(keys: readonly string[]): Promise<CounterState[]>;
  close(): Promise<void>;
}
