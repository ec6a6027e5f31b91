// The `routing:` section of the configuration: how the gateway spreads requests over upstreams and
// survives their failures (strategies, retries, circuit breaker, active health checks, timeouts,
// fallback chains), globally and per model. Optional: without it the gateway behaves as before
// (least-in-flight, 10-minute upstream timeout). Kept apart from schema.ts so that file only
// gains one line. User docs: docs/gateway-routing.md.
import { z } from "zod";

const ms = z.coerce.number().int().min(0);
const positiveMs = z.coerce.number().int().min(1);

/** Strategy names (kept in step with src/gateway/routing/index.ts; the gateway re-checks at start). */
export const ROUTING_STRATEGIES = [
  "least-in-flight",
  "least-outstanding",
  "round-robin",
  "weighted",
  "p2c-ewma",
  "prefix-affinity",
] as const;

const strategy = z.enum(ROUTING_STRATEGIES);

export const modelRoutingSchema = z
  .object({
    /** Strategy for this model's upstreams (default: routing.strategy). */
    strategy: strategy.optional(),
    /** Models to try, in order, when every upstream of this one failed before answering. */
    fallbacks: z.array(z.string().min(1).max(256)).max(10).default([]),
  })
  .strict();

export const routingSchema = z
  .object({
    /** Default strategy for every model. */
    strategy: strategy.default("least-in-flight"),
    /** Per requested model name (`support-bot`, `support-bot@canary`, a configured upstream model). */
    models: z.record(z.string().min(1), modelRoutingSchema).default({}),
    /** prefix-affinity: characters of the rendered prompt that form the affinity key. */
    prefix_chars: z.coerce.number().int().min(1).max(1_000_000).default(1024),
    /** prefix-affinity: an upstream takes at most load_factor × the average load before keys spill over. */
    load_factor: z.coerce.number().min(1).max(100).default(1.25),
    /** Default per-request timeout: time to the first byte and between stream chunks. */
    timeout_ms: positiveMs.default(600_000),
    /** Highest value a client may set with the x-llmops-timeout-ms header (default: timeout_ms). */
    max_timeout_ms: positiveMs.optional(),
    /** Time to connect to an upstream before failing over. */
    connect_timeout_ms: positiveMs.default(5_000),
    retries: z
      .object({
        /** Extra attempts on upstreams that already failed this request (untried ones are always tried). */
        max: z.coerce.number().int().min(0).max(10).default(2),
        base_ms: ms.default(25),
        max_ms: ms.default(1_000),
      })
      .strict()
      .prefault({}),
    health: z
      .object({
        /** Active checks: every interval_ms a GET of `path` on each upstream; 0 turns them off. */
        interval_ms: ms.default(5_000),
        /** Appended to each upstream's base URL (…/v1 + /models). */
        path: z.string().regex(/^\//, "start the path with /").default("/models"),
        timeout_ms: positiveMs.default(2_000),
        /** Consecutive failed requests that eject an upstream (a refused connection ejects at once). */
        failure_threshold: z.coerce.number().int().min(1).max(1000).default(3),
        /** How long an ejected upstream waits before one probe request; doubles per failed probe. */
        open_ms: positiveMs.default(2_000),
        max_open_ms: positiveMs.default(30_000),
      })
      .strict()
      .prefault({}),
    /** Concurrent shadow (mirrored) requests at most; more are skipped. */
    max_shadow_requests: z.coerce.number().int().min(0).max(10_000).default(16),
  })
  .strict();

export type RoutingConfig = z.infer<typeof routingSchema>;
