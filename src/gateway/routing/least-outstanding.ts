import type { Upstream } from "../types.js";
import type { PickContext, RoutingStrategy } from "./strategy.js";

/**
 * The upstream with the fewest unfinished requests. LLM requests vary from milliseconds to minutes,
 * so queue depth predicts waiting time far better than turn order. Ties rotate (round-robin), or an
 * idle pool would always send everything to the first upstream. Also registered under its former
 * name, `least-in-flight` (the default).
 */
export class LeastOutstandingStrategy implements RoutingStrategy {
  private readonly next = new Map<string, number>();

  constructor(readonly name: string = "least-outstanding") {}

  pick(candidates: readonly Upstream[], context: PickContext): Upstream {
    const count = candidates.length;
    if (count === 1) return candidates[0]!;
    const turn = this.next.get(context.modelKey) ?? 0;
    this.next.set(context.modelKey, turn >= 1e9 ? 0 : turn + 1);
    let best = candidates[turn % count]!;
    let bestLoad = context.load.inFlight(best.id);
    for (let i = 1; i < count && bestLoad > 0; i++) {
      const candidate = candidates[(turn + i) % count]!;
      const load = context.load.inFlight(candidate.id);
      if (load < bestLoad) {
        best = candidate;
        bestLoad = load;
      }
    }
    return best;
  }
}
