// Public surface of the gateway's policy stages (limits, caches, guardrails).
export { createPolicy, type Policy, type PolicyOptions, type PolicyParts } from "./create.js";
export { CACHE_HEADER, CACHE_SOURCE_HEADER } from "./exact-cache.js";
export { injectionScore } from "./guards/injection.js";
export { type LimitUsage, teamOf } from "./limits.js";
export { LIMITS_ROUTE, registerLimitsRoute } from "./limits-route.js";
export { PolicyPipeline } from "./pipeline.js";
export { SIMILARITY_HEADER } from "./semantic-cache.js";
export type {
  PolicyRequest,
  PolicyStage,
  RequestOutcome,
  ResponseHook,
  StoredAnswer,
  StreamTap,
  StreamWatcher,
} from "./types.js";
