// RoutingStrategy: which upstream of a model serves the next request. One file per strategy,
// registered in ./index.ts. Strategies only choose; failover (trying the next upstream after a
// connection error) and passive health (skipping upstreams that just refused) live in the proxy.
import type { Upstream } from "../types.js";

/** Live load the gateway observes, per upstream id. */
export interface UpstreamLoad {
  /** Requests sent to this upstream whose response has not finished yet (streams included). */
  inFlight(upstreamId: string): number;
}

export interface PickContext {
  /** Groups state such as round-robin counters; the resolved model (`tiny@3`). */
  modelKey: string;
  load: UpstreamLoad;
}

export interface RoutingStrategy {
  readonly name: string;
  /** Chooses one of `candidates` (never empty). Called again with fewer candidates on failover. */
  pick(candidates: readonly Upstream[], context: PickContext): Upstream;
}
