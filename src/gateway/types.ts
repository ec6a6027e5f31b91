// The gateway's whole view of the rest of the platform. The lead wires the registry, API keys and
// the metadata store in through GatewayDeps, so src/gateway imports none of them (dependencies
// point one way: gateway → these contracts, never the reverse).
import type { Principal } from "../security/principal.js";
import type { NewRequest } from "../store/schema.js";
import type { RolloutHooks, RolloutRoute } from "./rollout/types.js";

// Who is calling and what each role may do are shared with the control-plane API.
export type { Principal } from "../security/principal.js";
export type { Role } from "../security/roles.js";

/** One OpenAI-compatible server that can answer for a model (a worker, vLLM, a cloud API). */
export interface Upstream {
  /** Stable and unique across all models (worker id or URL): the in-flight counts, metrics and request log use it. */
  id: string;
  /** Base URL including the API prefix, e.g. `http://127.0.0.1:4101/v1`; the gateway appends `/chat/completions`. */
  baseUrl: string;
  /** Sent upstream as `Authorization: Bearer …`; the client's own key never leaves the gateway. */
  apiKey?: string;
  /** The model name to put in the forwarded body (the client still sees the name it asked for). */
  model: string;
  /** Share of traffic for the `weighted` strategy (default 1; 0 = only when nothing else is left). */
  weight?: number;
}

export interface ResolvedModel {
  /** The name the client asked for (alias, `name@version`, …). */
  requested: string;
  /** What it resolved to, for the request log: `tiny@3` or `upstream:gpt-x`. */
  resolved: string;
  /** Candidates in preference order; the routing strategy picks among them, failover walks the rest. */
  upstreams: Upstream[];
  /** Routing strategy for this model (a name from routingStrategies); default: the gateway's. */
  strategy?: string;
  /**
   * Model names to try, in order, when every upstream of this one failed before answering
   * (e.g. a local model → a bigger local one → a remote API). Each is resolved like a request's model.
   */
  fallbacks?: readonly string[];
  /** Set when the requested alias is under a rollout (canary split, shadow or blue/green). */
  rollout?: RolloutRoute;
}

/** One entry of `GET /v1/models` (the gateway adds `object: "model"`). */
export interface ModelCard {
  id: string;
  created: number;
  owned_by: string;
}

export interface GatewayDeps {
  /**
   * Validates an API key and returns its principal; throws LlmopsError("unauthorized") for an unknown or
   * revoked key. A missing key never reaches this: the gateway answers 401 itself. May cache, but a
   * revoked key must stop working within seconds. Anything else it throws becomes a 500.
   */
  authenticate(apiKey: string): Promise<Principal>;
  /** Optional fast path: the principal when it is known without waiting (a cache), else undefined. */
  authenticateCached?(apiKey: string): Principal | undefined;
  /** Resolves a requested model name; throws LlmopsError not_found (404) or unavailable (503). */
  resolveModel(model: string): Promise<ResolvedModel>;
  listModels(): Promise<ModelCard[]>;
  /**
   * Called once per finished /v1 request (never with the prompt). Must return at once: batch or queue
   * the write (see createBatchedRequestRecorder). It must not throw; if it does, the gateway logs and goes on.
   */
  recordRequest(row: NewRequest): void;
  /** Rollout persistence (automatic rollback, shadow comparisons); without it rollouts route but never roll back. */
  rollouts?: RolloutHooks;
}
