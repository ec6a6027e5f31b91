// The configuration schema: one zod object, so llmops.yaml, LLMOPS_* variables and flags are all
// validated the same way and every problem is reported with its path.
import { z } from "zod";
import { alertsSchema } from "../monitor/alerts/rules.js";
import { monitoringSchema } from "../monitor/drift/config.js";
import { captureSchema } from "./capture.js";
import { cacheSchema, guardrailsSchema, limitsSchema } from "./policy.js";
import { routingSchema } from "./routing.js";
import { auditConfigSchema, tracingConfigSchema } from "./security.js";

const port = z.coerce.number().int().min(0).max(65535);

export const upstreamSchema = z
  .object({
    /** Name shown in logs and metrics. */
    name: z.string().regex(/^[A-Za-z0-9._-]+$/, "use letters, digits, '.', '_' or '-'"),
    /** Base URL of an OpenAI-compatible server, ending in /v1 (vLLM, llama.cpp server, Ollama, a cloud API). */
    url: z.url(),
    /** Name of an environment variable that holds the upstream's API key (keys never live in the file). */
    api_key_env: z.string().optional(),
    /** Share of traffic for the `weighted` strategy when several upstreams serve one model name (default 1). */
    weight: z.coerce.number().min(0).max(1_000_000).optional(),
    /** Model names clients use to reach this upstream; `as` maps them to the upstream's own names. */
    models: z
      .array(z.union([z.string().min(1), z.object({ name: z.string().min(1), as: z.string().min(1) })]))
      .min(1, "list at least one model this upstream serves"),
  })
  .strict();

export const configSchema = z
  .object({
    home: z.string().min(1),
    database_url: z.string().min(1),
    artifacts_url: z.string().min(1),
    s3: z
      .object({
        endpoint: z.url().optional(),
        region: z.string().min(1),
        access_key_id: z.string().optional(),
        secret_access_key: z.string().optional(),
        force_path_style: z.coerce.boolean(),
      })
      .strict(),
    redis_url: z.string().optional(),
    admin_key: z.string().min(16, "an admin key must have at least 16 characters").optional(),
    server: z.object({ host: z.string().min(1), port }).strict(),
    workers: z
      .object({
        /** Worker processes per served model; 0 = one per CPU core. */
        count: z.coerce.number().int().min(0).max(256),
        /** llama.cpp threads per worker (several single-thread workers beat one batched worker on CPU). */
        threads: z.coerce.number().int().min(1).max(256),
        base_port: port,
        context_size: z.coerce.number().int().min(64).max(1_048_576),
      })
      .strict(),
    upstreams: z.array(upstreamSchema),
    log_level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
    /** Gateway policy stages (src/config/policy.ts, docs/gateway-policy.md): all off unless configured. */
    limits: limitsSchema.optional(),
    cache: cacheSchema.optional(),
    guardrails: guardrailsSchema.optional(),
    /** Routing and resilience (src/config/routing.ts, docs/gateway-routing.md): defaults when absent. */
    routing: routingSchema.optional(),
    /** Audit trail retention and batching, tracing (src/config/security.ts, docs/security.md). */
    audit: auditConfigSchema.optional(),
    tracing: tracingConfigSchema.optional(),
    /** Drift monitoring and alert rules (src/monitor, docs/monitoring.md): drift on, no alert rules by default. */
    monitoring: monitoringSchema.optional(),
    alerts: alertsSchema.optional(),
    /** Opt-in prompt/response capture, redacted (src/config/capture.ts, docs/dashboard.md): off by default. */
    capture: captureSchema.optional(),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type UpstreamConfig = z.infer<typeof upstreamSchema>;

/** A deep-partial view used for each layer (file, environment, flags) before they are merged. */
export type ConfigLayer = {
  [K in keyof Config]?: Config[K] extends unknown[]
    ? Config[K]
    : Config[K] extends object
      ? Partial<Config[K]>
      : Config[K];
};
