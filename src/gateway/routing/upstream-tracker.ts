// Per-upstream load the gateway learns by proxying: in-flight counts (least-outstanding, prefix
// affinity's load bound and the llmops_gateway_upstream_in_flight gauge) and a smoothed latency
// (p2c-ewma). Health (circuit breaking) lives in ../health.
import type { UpstreamLoad } from "./strategy.js";

interface Load {
  inFlight: number;
  /** EWMA of time to first byte, ms; 0 until measured. */
  latency: number;
}

export class UpstreamTracker implements UpstreamLoad {
  private readonly byId = new Map<string, Load>();

  /** @param alpha weight of the newest latency sample in the moving average (default 0.3). */
  constructor(private readonly alpha = 0.3) {}

  private entry(upstreamId: string): Load {
    let load = this.byId.get(upstreamId);
    if (load === undefined) {
      load = { inFlight: 0, latency: 0 };
      this.byId.set(upstreamId, load);
    }
    return load;
  }

  inFlight(upstreamId: string): number {
    return this.byId.get(upstreamId)?.inFlight ?? 0;
  }

  latencyMs(upstreamId: string): number {
    return this.byId.get(upstreamId)?.latency ?? 0;
  }

  begin(upstreamId: string): void {
    this.entry(upstreamId).inFlight++;
  }

  end(upstreamId: string): void {
    const load = this.byId.get(upstreamId);
    if (load !== undefined && load.inFlight > 0) load.inFlight--;
  }

  /** Records how long an upstream took to answer (first byte); failures count with their elapsed time. */
  observe(upstreamId: string, latencyMs: number): void {
    const load = this.entry(upstreamId);
    load.latency = load.latency === 0 ? latencyMs : load.latency + this.alpha * (latencyMs - load.latency);
  }

  /** Snapshot for the metrics gauge (read at scrape time, so the hot path never touches prom-client). */
  inFlightSnapshot(): ReadonlyMap<string, number> {
    const snapshot = new Map<string, number>();
    for (const [id, load] of this.byId) snapshot.set(id, load.inFlight);
    return snapshot;
  }
}
