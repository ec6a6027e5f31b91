// Builds the policy pipeline from the `limits:`, `cache:` and `guardrails:` configuration. Returns
// undefined when nothing is switched on, so the gateway skips the pipeline entirely.
import path from "node:path";
import type { FastifyBaseLogger } from "fastify";
import type { Redis } from "ioredis";
import type { Registry } from "prom-client";
import type { CacheConfig, GuardrailsConfig, LimitsConfig } from "../../config/policy.js";
import { LlmopsError } from "../../errors.js";
import type { FinishRequest } from "../accounting.js";
import type { ResolvedModel } from "../types.js";
import { CaptureStage, type CaptureStageOptions } from "./capture-stage.js";
import { createEmbedder } from "./embedder.js";
import { ExactCache } from "./exact-cache.js";
import { buildGuards } from "./guardrails-build.js";
import { InputGuardrails } from "./guardrails-input.js";
import { OutputGuardrails } from "./guardrails-output.js";
import { MemoryLimitStore } from "./limit-memory.js";
import { RedisLimitStore } from "./limit-redis.js";
import { LimitsStage } from "./limits.js";
import { createPolicyMetrics } from "./metrics.js";
import { type FeatureSink, MonitorStage } from "./monitor-stage.js";
import { PolicyPipeline } from "./pipeline.js";
import { openRedis } from "./redis-client.js";
import { MemoryResponseStore } from "./response-store-memory.js";
import { RedisResponseStore } from "./response-store-redis.js";
import { SemanticCache } from "./semantic-cache.js";
import type { PolicyStage } from "./types.js";
import { PostgresVectorStore } from "./vector-postgres.js";
import { SqliteVectorStore } from "./vector-sqlite.js";

/** GatewayOptions.policy: the configuration sections, and where shared state lives. */
export interface PolicyOptions {
  limits?: LimitsConfig | undefined;
  cache?: CacheConfig | undefined;
  guardrails?: GuardrailsConfig | undefined;
  /** Redis shared by every gateway instance (counters, exact cache); in-process without it. */
  redisUrl?: string | undefined;
  /** LLMOPS_HOME: the default folder of the local semantic cache file. */
  home?: string | undefined;
  /** The metadata database URL: the default PostgreSQL of `cache.semantic.store: postgres`. */
  databaseUrl?: string | undefined;
  /** The drift monitor's queue (docs/monitoring.md): one feature input per request when set. */
  monitor?: FeatureSink | undefined;
  /** Opt-in prompt/response capture (`capture:`, docs/gateway-policy.md): set only when enabled. */
  capture?: CaptureStageOptions | undefined;
  /** Told the limits stage once built (undefined when limits are off): alerts read budget use from it. */
  onLimits?: ((limits: LimitsStage | undefined) => void) | undefined;
}

export interface PolicyParts {
  registry: Registry;
  resolveModel(model: string): Promise<ResolvedModel>;
  finish: FinishRequest;
  log: FastifyBaseLogger;
}

export interface Policy {
  pipeline: PolicyPipeline;
  limits: LimitsStage | undefined;
}

const hasLimits = (limits: LimitsConfig | undefined): limits is LimitsConfig =>
  limits !== undefined &&
  Object.keys(limits.keys).length + Object.keys(limits.teams).length + Object.keys(limits.models).length > 0;

export function createPolicy(options: PolicyOptions | undefined, parts: PolicyParts): Policy | undefined {
  if (options === undefined) return undefined;
  const inputGuards = buildGuards(options.guardrails?.input ?? {});
  const outputGuards = buildGuards(options.guardrails?.output ?? {});
  const exact = options.cache?.exact;
  const semantic = options.cache?.semantic;
  const limitsOn = hasLimits(options.limits);
  if (
    !limitsOn &&
    inputGuards.length === 0 &&
    outputGuards.length === 0 &&
    !exact?.enabled &&
    !semantic?.enabled &&
    !options.monitor &&
    !options.capture
  ) {
    return undefined;
  }

  const metrics = createPolicyMetrics(parts.registry);
  const closers: Array<() => Promise<void>> = [];
  let redis: Redis | undefined;
  const sharedRedis = () => {
    if (redis === undefined && options.redisUrl !== undefined) {
      const connection = openRedis(options.redisUrl);
      redis = connection;
      closers.push(() => connection.quit().then(() => {}));
    }
    return redis;
  };
  const cacheError = (error: unknown) => parts.log.warn({ err: error }, "gateway cache unavailable; treated as a miss");

  // The fixed order; see types.ts.
  const stages: PolicyStage[] = [];
  let limits: LimitsStage | undefined;
  if (limitsOn) {
    const connection = sharedRedis();
    const store = connection === undefined ? new MemoryLimitStore() : new RedisLimitStore(connection);
    closers.push(() => store.close());
    limits = new LimitsStage(options.limits!, store, metrics);
    stages.push(limits);
  }
  if (inputGuards.length > 0) stages.push(new InputGuardrails(inputGuards, metrics));
  if (exact?.enabled) {
    const connection = sharedRedis();
    const store =
      connection === undefined ? new MemoryResponseStore(exact.max_entries) : new RedisResponseStore(connection);
    closers.push(() => store.close());
    stages.push(new ExactCache(exact, store, metrics, cacheError));
  }
  if (semantic?.enabled) {
    if (semantic.embedding_model === undefined) {
      throw new LlmopsError(
        "config_invalid",
        "cache.semantic.enabled needs cache.semantic.embedding_model: a model that serves /v1/embeddings",
      );
    }
    let store: SqliteVectorStore | PostgresVectorStore;
    if (semantic.store === "postgres") {
      const url =
        semantic.postgres_url ?? (options.databaseUrl?.startsWith("postgres") ? options.databaseUrl : undefined);
      if (url === undefined) {
        throw new LlmopsError(
          "config_invalid",
          "cache.semantic.store is postgres but there is no PostgreSQL URL: set cache.semantic.postgres_url or a postgres:// database_url",
        );
      }
      store = PostgresVectorStore.open(url);
    } else {
      store = new SqliteVectorStore(semantic.path ?? path.join(options.home ?? ".", "semantic-cache.db"));
    }
    closers.push(() => store.close());
    const embed = createEmbedder(semantic.embedding_model, parts.resolveModel);
    stages.push(new SemanticCache(semantic, store, embed, metrics, cacheError));
  }
  if (outputGuards.length > 0) stages.push(new OutputGuardrails(outputGuards, metrics));
  if (options.monitor) stages.push(new MonitorStage(options.monitor));
  if (options.capture) stages.push(new CaptureStage(options.capture));
  options.onLimits?.(limits);
  return { pipeline: new PolicyPipeline(stages, parts.finish, closers), limits };
}
