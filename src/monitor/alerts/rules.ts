// Alert rules (docs/monitoring.md): the `alerts:` section of llmops.yaml, or a file of the same shape
// given with `--rules alerts.yaml`. One rule watches one signal — p95 latency, error rate, token
// budget use, or drift — and fires after its condition held for `for`. The same rules render as
// Prometheus alerting rules (prometheus.ts).
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { LlmopsError } from "../../errors.js";
import { durationSchema } from "../drift/config.js";

export const ALERT_METRICS = ["latency_p95_ms", "error_rate", "budget_used", "drift_detected"] as const;
export type AlertMetric = (typeof ALERT_METRICS)[number];

export const alertRuleSchema = z
  .object({
    /** Prometheus alert name: letters, digits and '_' (e.g. HighLatencyP95). */
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "use letters, digits and '_', starting with a letter"),
    metric: z.enum(ALERT_METRICS),
    /** Fires when the value is above this (latency in ms, error rate and budget as fractions 0–1). */
    above: z.coerce.number().min(0).optional(),
    /** Only for drift_detected: one feature (prompt_length, language, …); any feature when absent. */
    feature: z
      .string()
      .regex(/^[a-z_]+$/)
      .optional(),
    /** How long the condition must hold before the alert fires (default 0: at once). */
    for: durationSchema.default(0),
    /** The window the latency percentile and error rate are computed over (default 5m). */
    window: durationSchema.default(300_000),
    severity: z.enum(["info", "warning", "critical"]).default("warning"),
    /** One line for people; the value and threshold are appended. */
    summary: z.string().max(500).optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (rule.metric !== "drift_detected" && rule.above === undefined) {
      ctx.addIssue({ code: "custom", path: ["above"], message: `metric ${rule.metric} needs a threshold: above: N` });
    }
    if (rule.metric !== "drift_detected" && rule.feature !== undefined) {
      ctx.addIssue({ code: "custom", path: ["feature"], message: "feature applies to metric drift_detected only" });
    }
  });

export const webhookSchema = z
  .object({
    url: z.url(),
    /** Per attempt (default 5s). */
    timeout: durationSchema.default(5000),
    /** Attempts after the first, with doubling waits from `backoff` (default 3 retries, 500ms). */
    retries: z.coerce.number().int().min(0).max(10).default(3),
    backoff: durationSchema.default(500),
    /** Extra request headers (e.g. an Authorization for the receiver). */
    headers: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export const alertsSchema = z
  .object({
    rules: z.array(alertRuleSchema).default([]),
    webhook: webhookSchema.optional(),
  })
  .strict()
  .superRefine((alerts, ctx) => {
    const seen = new Set<string>();
    alerts.rules.forEach((rule, i) => {
      if (seen.has(rule.name))
        ctx.addIssue({ code: "custom", path: ["rules", i, "name"], message: `duplicate rule name ${rule.name}` });
      seen.add(rule.name);
    });
  });

export type AlertRule = z.infer<typeof alertRuleSchema>;
export type WebhookConfig = z.infer<typeof webhookSchema>;
export type AlertsConfig = z.infer<typeof alertsSchema>;

/** The rules shipped in deploy/prometheus/llmops-alerts.yaml when no rules are given. */
export const DEFAULT_RULES: unknown = {
  rules: [
    {
      name: "LlmopsHighLatencyP95",
      metric: "latency_p95_ms",
      above: 2000,
      for: "5m",
      severity: "warning",
      summary: "p95 latency of the gateway is high",
    },
    {
      name: "LlmopsHighErrorRate",
      metric: "error_rate",
      above: 0.05,
      for: "5m",
      severity: "critical",
      summary: "more than 5% of gateway requests fail",
    },
    {
      name: "LlmopsBudgetNearlyUsed",
      metric: "budget_used",
      above: 0.8,
      severity: "warning",
      summary: "a token budget is 80% used",
    },
    {
      name: "LlmopsDriftDetected",
      metric: "drift_detected",
      severity: "warning",
      summary: "traffic drifted from the reference window",
    },
  ],
};

export function parseAlerts(value: unknown, where: string): AlertsConfig {
  const result = alertsSchema.safeParse(value ?? {});
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new LlmopsError("config_invalid", `${where}: ${issue.path.join(".") || "(top)"}: ${issue.message}`);
  }
  return result.data;
}

/** Reads a rules file (problems are `usage` errors): either `{rules: [...], webhook: ...}` or a top-level `alerts:` section. */
export async function loadAlertsFile(file: string): Promise<AlertsConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new LlmopsError("usage", `cannot read the rules file ${file}: ${(error as Error).message}`, { cause: error });
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new LlmopsError("usage", `${file} is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  const section =
    typeof value === "object" && value !== null && "alerts" in value ? (value as { alerts: unknown }).alerts : value;
  try {
    return parseAlerts(section, file);
  } catch (error) {
    // A file named on the command line: a usage error (exit 2), not a broken llmops.yaml.
    throw error instanceof LlmopsError ? new LlmopsError("usage", error.message, { cause: error }) : error;
  }
}
