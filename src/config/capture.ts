// The `capture:` section (docs/gateway-policy.md, docs/dashboard.md): opt-in storage of each request's
// prompt and answer for the dashboard's Traces page. Off by default — the request log keeps metadata
// only unless an operator switches this on — and redacted ("pii-mask") unless told otherwise.
import { z } from "zod";

export const CAPTURE_REDACTIONS = ["pii-mask", "none"] as const;
export type CaptureRedaction = (typeof CAPTURE_REDACTIONS)[number];

export const captureSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** pii-mask: every span src/data/pii finds becomes its label ([EMAIL], [PHONE], …); none: raw text. */
    redact: z.enum(CAPTURE_REDACTIONS).default("pii-mask"),
    /** Share of requests captured, 0–1. */
    sample_rate: z.coerce.number().min(0).max(1).default(1),
    /** Characters kept of the prompt and of the answer each (after redaction). */
    max_chars: z.coerce.number().int().min(1).max(1_000_000).default(4000),
    /** Captured rows older than this many days are deleted. */
    retention_days: z.coerce.number().min(0.001).max(3650).default(7),
  })
  .strict();

export type CaptureConfig = z.infer<typeof captureSchema>;
