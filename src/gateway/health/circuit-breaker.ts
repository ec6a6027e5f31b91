// Passive health and circuit breaking, per upstream. Every attempt the proxy makes ends in
// success() or failure(); active checks (./active-checks.ts) report the same way.
//
//   closed ──(failureThreshold consecutive failures, or one refused connection)──▶ open
//   open ──(openMs elapsed)──▶ half-open: exactly one request (the probe) may try it
//   half-open ──probe succeeds──▶ closed      half-open ──probe fails──▶ open, for twice as long
//   any state ──active check succeeds──▶ closed (a restarted worker is re-admitted at once)
//
// A refused connection opens the circuit at once: nothing listens, and on a remote host every
// further attempt would cost a connect timeout. Other failures (resets, 502/503/504, timeouts) may
// be one-off, so they need several in a row.
import type { Upstream } from "../types.js";

export type CircuitState = "closed" | "open" | "half-open";

export type FailureCause = "connect" | "reset" | "timeout" | "status" | "active" | "other";

export interface CircuitOptions {
  /** Consecutive failures that open a closed circuit (default 3). */
  failureThreshold: number;
  /** How long a circuit stays open before one probe may try (default 2 000 ms). */
  openMs: number;
  /** Each failed probe doubles the open time, up to this (default 30 000 ms). */
  maxOpenMs: number;
}

export const DEFAULT_CIRCUIT_OPTIONS: CircuitOptions = { failureThreshold: 3, openMs: 2_000, maxOpenMs: 30_000 };

interface Circuit {
  state: CircuitState;
  failures: number;
  openUntil: number;
  openMs: number;
  probing: boolean;
  since: number;
}

export type CircuitListener = (upstreamId: string, from: CircuitState, to: CircuitState, cause: string) => void;

export class HealthTracker {
  private readonly circuits = new Map<string, Circuit>();
  /** Circuits not closed; the hot path skips all work while this is 0. */
  private notClosed = 0;
  readonly options: CircuitOptions;

  constructor(
    options: Partial<CircuitOptions> = {},
    private readonly listener?: CircuitListener,
    private readonly now: () => number = Date.now,
  ) {
    this.options = { ...DEFAULT_CIRCUIT_OPTIONS, ...options };
  }

  state(upstreamId: string): CircuitState {
    const circuit = this.circuits.get(upstreamId);
    if (circuit === undefined) return "closed";
    if (circuit.state === "open" && circuit.openUntil <= this.now()) return "half-open";
    return circuit.state;
  }

  /**
   * The upstreams worth trying now: all of them minus `excluded` (already failed for this request)
   * and minus open circuits (and half-open ones whose single probe is already out). When that
   * leaves none, `lastResort` decides: true returns every remaining upstream (a circuit is a hint,
   * never a reason to refuse a request that has nowhere else to go), false returns none, so the
   * caller moves on to its fallback.
   */
  candidates(
    upstreams: readonly Upstream[],
    excluded: ReadonlySet<string> | undefined,
    lastResort = true,
  ): readonly Upstream[] {
    if (this.notClosed === 0 && excluded === undefined) return upstreams;
    const now = this.now();
    const remaining: Upstream[] = [];
    const usable: Upstream[] = [];
    for (const upstream of upstreams) {
      if (excluded?.has(upstream.id)) continue;
      remaining.push(upstream);
      const circuit = this.circuits.get(upstream.id);
      if (circuit === undefined || circuit.state === "closed") usable.push(upstream);
      else if (circuit.state === "open") {
        if (circuit.openUntil <= now) {
          this.transition(upstream.id, circuit, "half-open", "open period over");
          usable.push(upstream);
        }
      } else if (!circuit.probing) usable.push(upstream);
    }
    if (usable.length > 0) return usable;
    return lastResort ? remaining : usable;
  }

  /** Called when a request is sent to an upstream: a half-open circuit lets only this one through. */
  attempt(upstreamId: string): void {
    if (this.notClosed === 0) return;
    const circuit = this.circuits.get(upstreamId);
    if (circuit !== undefined && circuit.state === "half-open") circuit.probing = true;
  }

  /** An attempt ended without a verdict (the client went away): free the probe slot. */
  release(upstreamId: string): void {
    if (this.notClosed === 0) return;
    const circuit = this.circuits.get(upstreamId);
    if (circuit !== undefined) circuit.probing = false;
  }

  success(upstreamId: string, cause = "request succeeded"): void {
    const circuit = this.circuits.get(upstreamId);
    if (circuit === undefined) return;
    circuit.failures = 0;
    circuit.probing = false;
    if (circuit.state !== "closed") {
      circuit.openMs = this.options.openMs;
      this.transition(upstreamId, circuit, "closed", cause);
    }
  }

  failure(upstreamId: string, cause: FailureCause): void {
    let circuit = this.circuits.get(upstreamId);
    if (circuit === undefined) {
      circuit = {
        state: "closed",
        failures: 0,
        openUntil: 0,
        openMs: this.options.openMs,
        probing: false,
        since: this.now(),
      };
      this.circuits.set(upstreamId, circuit);
    }
    circuit.failures++;
    circuit.probing = false;
    if (circuit.state === "half-open" || (circuit.state === "open" && circuit.openUntil <= this.now())) {
      // The probe failed: back off for longer.
      circuit.openMs = Math.min(this.options.maxOpenMs, circuit.openMs * 2);
      this.open(upstreamId, circuit, `probe failed (${cause})`);
    } else if (circuit.state === "closed") {
      const immediate = cause === "connect" || cause === "active";
      if (immediate || circuit.failures >= this.options.failureThreshold) {
        this.open(upstreamId, circuit, `${circuit.failures} consecutive failure(s), last: ${cause}`);
      }
    } else {
      // Already open (a request that started before it opened): extend from now.
      circuit.openUntil = this.now() + circuit.openMs;
    }
  }

  /** Every upstream with a circuit that is not closed, for metrics and `GET /healthz` style views. */
  snapshot(): Array<{ upstream: string; state: CircuitState; failures: number; since: number }> {
    return [...this.circuits].map(([upstream, circuit]) => ({
      upstream,
      state: this.state(upstream),
      failures: circuit.failures,
      since: circuit.since,
    }));
  }

  /** Forgets an upstream (it left the pool). */
  forget(upstreamId: string): void {
    const circuit = this.circuits.get(upstreamId);
    if (circuit === undefined) return;
    if (circuit.state !== "closed") this.notClosed--;
    this.circuits.delete(upstreamId);
  }

  private open(upstreamId: string, circuit: Circuit, cause: string): void {
    circuit.openUntil = this.now() + circuit.openMs;
    this.transition(upstreamId, circuit, "open", cause);
  }

  private transition(upstreamId: string, circuit: Circuit, to: CircuitState, cause: string): void {
    const from = circuit.state;
    if (from === to) return;
    if (from === "closed") this.notClosed++;
    if (to === "closed") this.notClosed--;
    circuit.state = to;
    circuit.since = this.now();
    if (to !== "half-open") circuit.probing = false;
    this.listener?.(upstreamId, from, to, cause);
  }
}
