// Registry of routing strategies: adding one is one file plus one line here.
import { LlmopsError } from "../../errors.js";
import { LeastOutstandingStrategy } from "./least-outstanding.js";
import { PowerOfTwoEwmaStrategy } from "./p2c-ewma.js";
import { PrefixAffinityStrategy } from "./prefix-affinity.js";
import { RoundRobinStrategy } from "./round-robin.js";
import type { RoutingStrategy, StrategyOptions } from "./strategy.js";
import { WeightedStrategy } from "./weighted.js";

export { LeastOutstandingStrategy, LeastOutstandingStrategy as LeastInFlightStrategy } from "./least-outstanding.js";
export { PowerOfTwoEwmaStrategy } from "./p2c-ewma.js";
export { fnv1a, promptPrefix } from "./prefix.js";
export { PrefixAffinityStrategy } from "./prefix-affinity.js";
export { RoundRobinStrategy } from "./round-robin.js";
export type { PickContext, RoutingStrategy, StrategyOptions, UpstreamLoad } from "./strategy.js";
export { WeightedStrategy } from "./weighted.js";

export const routingStrategies = {
  "least-in-flight": () => new LeastOutstandingStrategy("least-in-flight"),
  "least-outstanding": () => new LeastOutstandingStrategy(),
  "round-robin": () => new RoundRobinStrategy(),
  weighted: () => new WeightedStrategy(),
  "p2c-ewma": () => new PowerOfTwoEwmaStrategy(),
  "prefix-affinity": (options: StrategyOptions) => new PrefixAffinityStrategy(options),
} satisfies Record<string, (options: StrategyOptions) => RoutingStrategy>;

export type RoutingStrategyName = keyof typeof routingStrategies;

export const ROUTING_STRATEGY_NAMES = Object.keys(routingStrategies) as RoutingStrategyName[];

export const DEFAULT_ROUTING_STRATEGY: RoutingStrategyName = "least-in-flight";

export function createRoutingStrategy(name: string, options: StrategyOptions = {}): RoutingStrategy {
  const make = (routingStrategies as Record<string, ((options: StrategyOptions) => RoutingStrategy) | undefined>)[name];
  if (make === undefined) {
    throw new LlmopsError(
      "config_invalid",
      `unknown routing strategy '${name}'; use one of: ${ROUTING_STRATEGY_NAMES.join(", ")}`,
    );
  }
  return make(options);
}
