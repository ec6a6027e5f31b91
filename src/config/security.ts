// Config sections of the audit trail and tracing (docs/security.md, docs/observability.md). Both
// optional: without them the audit trail keeps everything and tracing is off (zero cost).
import { z } from "zod";

export const auditConfigSchema = z
  .object({
    /** Keep this many days of audit entries; older ones are pruned behind a checkpoint. 0 = keep all. */
    retention_days: z.coerce.number().min(0).max(36_500).default(0),
    /** Request entries appended per transaction (gateway rates); 1–5000. */
    batch_size: z.coerce.number().int().min(1).max(5000).default(500),
    /** Longest wait before queued request entries are appended (ms). */
    flush_ms: z.coerce.number().int().min(0).max(60_000).default(200),
    /** Append an entry for every /v1 request (false: only admin actions and changes). */
    requests: z.coerce.boolean().default(true),
  })
  .strict();

export const tracingConfigSchema = z
  .object({
    /** OTLP/HTTP collector, e.g. http://127.0.0.1:4318 (spans go to …/v1/traces). Unset = tracing off. */
    otlp_endpoint: z.url().optional(),
    /** service.name of the gateway's spans (workers use `<name>-worker`). */
    service_name: z.string().min(1).default("llmops-gateway"),
    /** Extra headers for the collector (e.g. authorization). */
    headers: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export type AuditConfig = z.infer<typeof auditConfigSchema>;
export type TracingConfig = z.infer<typeof tracingConfigSchema>;
