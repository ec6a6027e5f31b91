import type { Upstream } from "../types.js";
import type { PickContext, RoutingStrategy } from "./strategy.js";

/**
 * Smooth weighted round-robin (nginx's algorithm): with weights 5/1/1 the order is a a b a c a a —
 * proportional and interleaved, never a burst of five in a row. `Upstream.weight` defaults to 1;
 * a weight of 0 takes an upstream out of rotation unless nothing else is left.
 */
export class WeightedStrategy implements RoutingStrategy {
  readonly name = "weighted";
  private readonly current = new Map<string, Map<string, number>>();

  pick(candidates: readonly Upstream[], context: PickContext): Upstream {
    if (candidates.length === 1) return candidates[0]!;
    let state = this.current.get(context.modelKey);
    if (state === undefined) {
      state = new Map();
      this.current.set(context.modelKey, state);
    }
    let total = 0;
    let best: Upstream | undefined;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (const upstream of candidates) {
      const weight = weightOf(upstream);
      total += weight;
      const value = (state.get(upstream.id) ?? 0) + weight;
      state.set(upstream.id, value);
      if (value > bestValue) {
        bestValue = value;
        best = upstream;
      }
    }
    if (total === 0) {
      // Every candidate has weight 0: fall back to the first rather than refuse.
      return candidates[0]!;
    }
    state.set(best!.id, bestValue - total);
    return best!;
  }
}

function weightOf(upstream: Upstream): number {
  const weight = upstream.weight;
  return weight === undefined || !Number.isFinite(weight) || weight < 0 ? 1 : weight;
}
