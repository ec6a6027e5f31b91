// Per-upstream state the gateway learns by proxying: in-flight counts (for least-in-flight and the
// llmops_gateway_upstream_in_flight gauge) and passive health (an upstream that refused a
// connection is skipped for a short cooldown, so a dead worker does not cost every request a failed
// connect attempt — on a remote host that can be seconds).
import type { Upstream } from "../types.js";
import type { UpstreamLoad } from "./strategy.js";

export class UpstreamTracker implements UpstreamLoad {
  private readonly inFlightById = new Map<string, number>();
  private readonly downUntil = new Map<string, number>();

  constructor(private readonly cooldownMs: number) {}

  inFlight(upstreamId: string): number {
    return this.inFlightById.get(upstreamId) ?? 0;
  }

  begin(upstreamId: string): void {
    this.inFlightById.set(upstreamId, (this.inFlightById.get(upstreamId) ?? 0) + 1);
  }

  end(upstreamId: string): void {
    const count = this.inFlightById.get(upstreamId) ?? 0;
    this.inFlightById.set(upstreamId, count > 0 ? count - 1 : 0);
  }

  /** Snapshot for the metrics gauge (read at scrape time, so the hot path never touches prom-client). */
  inFlightSnapshot(): ReadonlyMap<string, number> {
    return this.inFlightById;
  }

  markDown(upstreamId: string): void {
    this.downUntil.set(upstreamId, Date.now() + this.cooldownMs);
  }

  markUp(upstreamId: string): void {
    if (this.downUntil.size > 0) this.downUntil.delete(upstreamId);
  }

  /**
   * The upstreams worth trying now: all of them minus `excluded` (already failed for this request),
   * preferring those not in cooldown. If every remaining one is cooling down they are all returned —
   * a cooldown is a hint, never a reason to refuse without trying.
   */
  candidates(upstreams: readonly Upstream[], excluded: ReadonlySet<string> | undefined): readonly Upstream[] {
    if (this.downUntil.size === 0 && excluded === undefined) return upstreams;
    const now = Date.now();
    const remaining: Upstream[] = [];
    const healthy: Upstream[] = [];
    for (const upstream of upstreams) {
      if (excluded?.has(upstream.id)) continue;
      remaining.push(upstream);
      const until = this.downUntil.get(upstream.id);
      if (until === undefined) healthy.push(upstream);
      else if (until <= now) {
        this.downUntil.delete(upstream.id);
        healthy.push(upstream);
      }
    }
    return healthy.length > 0 ? healthy : remaining;
  }
}
