// The `monitoring:` section of the configuration (docs/monitoring.md). Drift monitoring is on by
// default (recording a feature row per request costs a few microseconds; see docs); set
// `monitoring.drift.enabled: false` to switch it off. Durations are written like 30s, 5m, 1h, 7d.
import { z } from "zod";
import { durationMs } from "../../util/duration.js";

export const durationSchema = z.union([z.string(), z.number().positive()]).transform((value, ctx) => {
  const ms = durationMs(value);
  if (!Number.isFinite(ms) || ms <= 0) {
    ctx.addIssue({ code: "custom", message: `'${value}' is not a duration; write e.g. 30s, 5m, 1h or 7d` });
    return z.NEVER;
  }
  return ms;
});

const threshold = z.coerce.number().min(0);

export const driftConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** How often the check (and the alert evaluation) runs. */
    interval: durationSchema.default(300_000),
    /** The window just before the current one that traffic is compared against. */
    reference_window: durationSchema.default(86_400_000),
    /** The most recent window. */
    current_window: durationSchema.default(3_600_000),
    /** Fewer requests than this in either window: the check reports insufficient_data, not drift. */
    min_samples: z.coerce.number().int().min(2).default(30),
    /** Up to this many reference rows a feature uses KS / chi-squared; above it Wasserstein / JS (as Evidently). */
    small_sample_max: z.coerce.number().int().min(1).default(1000),
    /** Most rows read per window (the newest); keeps a check bounded on busy gateways. */
    max_rows: z.coerce.number().int().min(100).default(20_000),
    thresholds: z
      .object({
        /** KS / chi-squared / Z-test: drift when the p-value is below this. */
        p_value: threshold.max(1).default(0.05),
        /** Wasserstein (normed by the reference's standard deviation): drift when above. */
        wasserstein: threshold.default(0.1),
        /** Jensen–Shannon distance (natural log): drift when above (also the token distribution). */
        jensen_shannon: threshold.default(0.1),
        /** Cosine distance between the windows' mean embeddings: drift when above. */
        embedding_cosine: threshold.max(2).default(0.1),
      })
      .strict()
      .default({ p_value: 0.05, wasserstein: 0.1, jensen_shannon: 0.1, embedding_cosine: 0.1 }),
    /** A model serving /v1/embeddings: when set, each prompt is embedded (one extra call per request). */
    embedding_model: z.string().min(1).optional(),
    /** Checks kept in the history (older ones are deleted). */
    keep_checks: z.coerce.number().int().min(1).default(1000),
  })
  .strict();

export const monitoringSchema = z.object({ drift: driftConfigSchema.optional() }).strict();

export type DriftConfig = z.infer<typeof driftConfigSchema>;
export type MonitoringConfig = z.infer<typeof monitoringSchema>;

export function driftConfig(monitoring: MonitoringConfig | undefined): DriftConfig {
  return driftConfigSchema.parse(monitoring?.drift ?? {});
}
