// The `limits:`, `cache:` and `guardrails:` sections of the configuration: the gateway's policy stages (rate limits and budgets,
// response caches, guardrails). Every part is optional and off by default, so a zero-config
// `npm start` behaves exactly as before. Kept apart from schema.ts so that file only gains one line.
import { z } from "zod";

const count = z.coerce.number().int().min(1);

/** Limits of one scope (a key, a team or a model). Absent fields mean "no limit". */
export const limitSchema = z
  .object({
    requests_per_minute: count.optional(),
    tokens_per_minute: count.optional(),
    /** Tokens (prompt + completion) allowed per budget period. */
    budget_tokens: count.optional(),
    budget_period: z.enum(["day", "month"]).default("day"),
  })
  .strict();

export const limitsSchema = z
  .object({
    /** By key id or key name; "*" applies to every key without an entry of its own. */
    keys: z.record(z.string().min(1), limitSchema).default({}),
    /** By team name (teams shared by every key of the team). */
    teams: z.record(z.string().min(1), limitSchema).default({}),
    /** By model name (every version and alias of it counts); "*" = every model without an entry, one counter each. */
    models: z.record(z.string().min(1), limitSchema).default({}),
    /** Team of each key (by key id or name), for keys whose record carries no team. */
    key_teams: z.record(z.string().min(1), z.string().min(1)).default({}),
    /**
     * Completion tokens reserved for a request without `max_tokens` (reconciled with the real usage
     * afterwards). A request that generates more than this can overspend by the difference.
     */
    default_completion_tokens: count.default(512),
  })
  .strict();

const action = z.enum(["off", "log", "mask", "block"]);

const piiGuardSchema = z
  .object({
    action: action.default("off"),
    /** PII types to look for (default: all; see `llmops data pii scan --help`). */
    types: z.array(z.string().min(1)).optional(),
    min_score: z.coerce.number().min(0).max(1).default(0.8),
  })
  .strict();

const bannedGuardSchema = z
  .object({
    action: action.default("off"),
    /** Case-insensitive words or phrases; a term written /like this/i is a regular expression. */
    terms: z.array(z.string().min(1)).default([]),
  })
  .strict();

const sizeGuardSchema = z
  .object({
    action: z.enum(["off", "log", "block"]).default("off"),
    max_chars: count.optional(),
    /** Estimated tokens (UTF-8 bytes / 3, rounded up, per message) of the prompt or the answer. */
    max_tokens: count.optional(),
    max_messages: count.optional(),
  })
  .strict();

const injectionGuardSchema = z
  .object({
    action: z.enum(["off", "log", "block"]).default("off"),
    /** Score from 0 to 1 at which a prompt counts as an injection attempt. */
    threshold: z.coerce.number().min(0).max(1).default(0.6),
  })
  .strict();

export const guardrailsSchema = z
  .object({
    input: z
      .object({
        pii: piiGuardSchema.optional(),
        injection: injectionGuardSchema.optional(),
        size: sizeGuardSchema.optional(),
        banned_terms: bannedGuardSchema.optional(),
      })
      .strict()
      .default({}),
    output: z
      .object({
        pii: piiGuardSchema.optional(),
        size: sizeGuardSchema.optional(),
        banned_terms: bannedGuardSchema.optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export const cacheSchema = z
  .object({
    exact: z
      .object({
        enabled: z.boolean().default(false),
        ttl_seconds: count.default(3600),
        /** Entries kept in memory when there is no Redis (least recently used go first). */
        max_entries: count.default(10_000),
        /** Larger answers are not cached. */
        max_entry_bytes: count.default(1_048_576),
        /** Cache only requests with temperature 0 or a seed (sampled answers differ by design). */
        deterministic_only: z.boolean().default(true),
        /** One cache for every key; otherwise each key has its own. */
        shared_across_keys: z.boolean().default(false),
      })
      .strict()
      .default({
        enabled: false,
        ttl_seconds: 3600,
        max_entries: 10_000,
        max_entry_bytes: 1_048_576,
        deterministic_only: true,
        shared_across_keys: false,
      }),
    semantic: z
      .object({
        enabled: z.boolean().default(false),
        /** A model the gateway can route to that serves /v1/embeddings. */
        embedding_model: z.string().min(1).optional(),
        /** Cosine similarity from 0 to 1 at or above which a cached answer is reused. */
        threshold: z.coerce.number().min(0).max(1).default(0.95),
        ttl_seconds: count.default(3600),
        /** sqlite: sqlite-vec in a local file; postgres: pgvector (needs the `vector` extension). */
        store: z.enum(["sqlite", "postgres"]).default("sqlite"),
        /** sqlite file (default $LLMOPS_HOME/semantic-cache.db); `:memory:` for a private cache. */
        path: z.string().min(1).optional(),
        /** PostgreSQL URL for store: postgres (default: database_url). */
        postgres_url: z.string().min(1).optional(),
        deterministic_only: z.boolean().default(true),
        shared_across_keys: z.boolean().default(false),
      })
      .strict()
      .optional(),
  })
  .strict();

export const gatewayPolicySchema = z
  .object({
    limits: limitsSchema.optional(),
    cache: cacheSchema.optional(),
    guardrails: guardrailsSchema.optional(),
  })
  .strict();

export type LimitConfig = z.infer<typeof limitSchema>;
export type LimitsConfig = z.infer<typeof limitsSchema>;
export type GuardrailsConfig = z.infer<typeof guardrailsSchema>;
export type CacheConfig = z.infer<typeof cacheSchema>;
export type GatewayPolicyConfig = z.infer<typeof gatewayPolicySchema>;
