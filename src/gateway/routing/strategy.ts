// RoutingStrategy: which upstream of a model serves the next request. One file per strategy,
// registered in ./index.ts. Strategies only choose; failover, retries, circuit breaking and
// fallback chains live in the proxy and ../health.
import type { Upstream } from "../types.js";

/** Live load the gateway observes, per upstream id. */
export interface UpstreamLoad {
  /** Requests sent to this upstream whose response has not finished yet (streams included). */
  inFlight(upstreamId: string): number;
  /** Smoothed latency (EWMA, ms) of its recent answers — time to the first byte; 0 before the first one. */
  latencyMs(upstreamId: string): number;
}

export interface PickContext {
  /** Groups state such as round-robin counters; the resolved model (`tiny@3`). */
  modelKey: string;
  load: UpstreamLoad;
  /** Start of the rendered prompt; only computed for strategies with `usesPrefix`. */
  prefix?: string | undefined;
}

export interface RoutingStrategy {
  readonly name: string;
  /** True when pick() reads `context.prefix` (the proxy only renders the prefix for these). */
  readonly usesPrefix?: boolean;
  /** Chooses one of `candidates` (never empty). Called again with fewer candidates on failover. */
  pick(candidates: readonly Upstream[], context: PickContext): Upstream;
}

/** Options shared by the strategies that take any (see each file). */
export interface StrategyOptions {
  /** prefix-affinity: how many characters of the rendered prompt form the affinity key (default 1024). */
  prefixChars?: number;
  /** prefix-affinity: an upstream may take at most loadFactor × the average load (default 1.25). */
  loadFactor?: number;
  /** prefix-affinity: points per upstream on the hash ring (default 100). */
  virtualNodes?: number;
}
