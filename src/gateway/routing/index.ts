// Registry of routing strategies: adding one is one file plus one line here.
import { LlmopsError } from "../../errors.js";
import { LeastInFlightStrategy } from "./least-in-flight.js";
import { RoundRobinStrategy } from "./round-robin.js";
import type { RoutingStrategy } from "./strategy.js";

export { LeastInFlightStrategy } from "./least-in-flight.js";
export { RoundRobinStrategy } from "./round-robin.js";
export type { PickContext, RoutingStrategy, UpstreamLoad } from "./strategy.js";

export const routingStrategies = {
  "least-in-flight": () => new LeastInFlightStrategy(),
  "round-robin": () => new RoundRobinStrategy(),
} satisfies Record<string, () => RoutingStrategy>;

export type RoutingStrategyName = keyof typeof routingStrategies;

export const DEFAULT_ROUTING_STRATEGY: RoutingStrategyName = "least-in-flight";

export function createRoutingStrategy(name: string): RoutingStrategy {
  const make = (routingStrategies as Record<string, (() => RoutingStrategy) | undefined>)[name];
  if (make === undefined) {
    throw new LlmopsError(
      "config_invalid",
      `unknown routing strategy '${name}'; use one of: ${Object.keys(routingStrategies).join(", ")}`,
    );
  }
  return make();
}
