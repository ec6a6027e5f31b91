// Public surface of the gateway: what `llmops gateway` / `llmops up` wire together.
export { extractApiKey } from "./auth.js";
export { createGatewayMetrics, type GatewayMetrics } from "./metrics.js";
export {
  FALLBACK_HEADER,
  type GatewayTrafficOptions,
  SERVED_BY_HEADER,
  TIMEOUT_HEADER,
  UPSTREAM_HEADER,
} from "./proxy.js";
export {
  type BatchedRecorder,
  type BatchedRecorderOptions,
  createBatchedRequestRecorder,
} from "./request-log.js";
export type {
  RolloutArm,
  RolloutEvidence,
  RolloutHooks,
  RolloutKind,
  RolloutRoute,
  RolloutSlo,
  ShadowSample,
} from "./rollout/types.js";
export {
  createRoutingStrategy,
  DEFAULT_ROUTING_STRATEGY,
  LeastInFlightStrategy,
  type PickContext,
  RoundRobinStrategy,
  type RoutingStrategy,
  type RoutingStrategyName,
  routingStrategies,
  type UpstreamLoad,
} from "./routing/index.js";
export { createGateway, type GatewayOptions } from "./server.js";
export type { GatewayDeps, ModelCard, Principal, ResolvedModel, Role, Upstream } from "./types.js";
