// The strategies one gateway uses: its default plus any a model asks for by name (per-model
// configuration), each created once and shared by every request.
import { createRoutingStrategy } from "./index.js";
import type { RoutingStrategy, StrategyOptions } from "./strategy.js";

export class StrategySet {
  private readonly byName = new Map<string, RoutingStrategy>();

  constructor(
    readonly fallback: RoutingStrategy,
    private readonly options: StrategyOptions = {},
  ) {
    this.byName.set(fallback.name, fallback);
  }

  /** The named strategy, or the default when `name` is undefined. Throws config_invalid for unknown names. */
  get(name: string | undefined): RoutingStrategy {
    if (name === undefined) return this.fallback;
    let strategy = this.byName.get(name);
    if (strategy === undefined) {
      strategy = createRoutingStrategy(name, this.options);
      this.byName.set(name, strategy);
    }
    return strategy;
  }

  /** Characters of prompt prefix the prefix-affinity strategy keys on. */
  get prefixChars(): number {
    return this.options.prefixChars ?? 1024;
  }
}
