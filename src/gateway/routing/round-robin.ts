import type { Upstream } from "../types.js";
import type { PickContext, RoutingStrategy } from "./strategy.js";

/** Each upstream of a model in turn, regardless of load. Predictable; good for equal workers. */
export class RoundRobinStrategy implements RoutingStrategy {
  readonly name = "round-robin";
  private readonly next = new Map<string, number>();

  pick(candidates: readonly Upstream[], context: PickContext): Upstream {
    const turn = this.next.get(context.modelKey) ?? 0;
    // Wrap well before 2^53 so the modulo stays exact forever.
    this.next.set(context.modelKey, turn >= 1e9 ? 0 : turn + 1);
    return candidates[turn % candidates.length]!;
  }
}
