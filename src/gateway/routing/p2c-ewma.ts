import type { Upstream } from "../types.js";
import type { PickContext, RoutingStrategy } from "./strategy.js";

/**
 * Power of two choices on latency: draw two different upstreams at random and take the one with
 * the lower cost = EWMA latency × (requests in flight + 1) (Finagle's and Linkerd's "peak EWMA"
 * idea). Two random draws avoid the herd that "always the fastest" causes, while slow or busy
 * upstreams get exponentially less traffic. An upstream never measured costs 0, so new workers
 * are tried at once.
 */
export class PowerOfTwoEwmaStrategy implements RoutingStrategy {
  readonly name = "p2c-ewma";

  constructor(private readonly random: () => number = Math.random) {}

  pick(candidates: readonly Upstream[], context: PickContext): Upstream {
    const count = candidates.length;
    if (count === 1) return candidates[0]!;
    const i = Math.floor(this.random() * count) % count;
    let j = Math.floor(this.random() * (count - 1)) % (count - 1);
    if (j >= i) j++;
    const a = candidates[i]!;
    const b = candidates[j]!;
    return cost(a, context) <= cost(b, context) ? a : b;
  }
}

function cost(upstream: Upstream, context: PickContext): number {
  return context.load.latencyMs(upstream.id) * (context.load.inFlight(upstream.id) + 1);
}
