// The alert rules as Prometheus rules, checked by Prometheus' own promtool (Debian's prometheus
// package; .ci/services/prometheus-tools.sh): the committed deploy/prometheus/llmops-alerts.yaml is
// exactly what the CLI renders from the built-in rules, `promtool check rules` accepts it and a
// custom rule set, and `promtool test rules` shows the drift and budget alerts firing on series.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { renderPrometheusRules } from "../src/monitor/alerts/prometheus.js";
import { DEFAULT_RULES, parseAlerts } from "../src/monitor/alerts/rules.js";
import { requiredInCi } from "./helpers/services.js";

const run = promisify(execFile);
const PROMTOOL = [process.env.LLMOPS_TEST_PROMTOOL, "/usr/bin/promtool"].find(
  (p): p is string => p !== undefined && p !== "" && existsSync(p),
);
if (PROMTOOL === undefined) requiredInCi("promtool");

const committed = path.resolve("deploy/prometheus/llmops-alerts.yaml");

describe("Prometheus alerting rules", () => {
  it("the committed default file is the rendering of the built-in rules", () => {
    expect(readFileSync(committed, "utf8")).toBe(renderPrometheusRules(parseAlerts(DEFAULT_RULES, "built-in")));
  });

  it.skipIf(PROMTOOL === undefined)("promtool accepts the default and a custom rule set", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "llmops-promtool-"));
    const custom = path.join(dir, "custom.yaml");
    const rules = parseAlerts(
      {
        rules: [
          { name: "SlowChat", metric: "latency_p95_ms", above: 750, for: "10m", window: "15m" },
          { name: "LanguageShift", metric: "drift_detected", feature: "language", severity: "critical" },
          { name: "Errors", metric: "error_rate", above: 0.2, window: "90s" },
        ],
      },
      "test",
    );
    writeFileSync(custom, renderPrometheusRules(rules));
    const { stdout } = await run(PROMTOOL!, ["check", "rules", committed, custom]);
    expect(stdout).toMatch(/SUCCESS: 4 rules found/);
    expect(stdout).toMatch(/SUCCESS: 3 rules found/);
  });

  it.skipIf(PROMTOOL === undefined)("promtool test rules: drift and budget alerts fire on their series", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "llmops-promtool-"));
    writeFileSync(path.join(dir, "rules.yaml"), readFileSync(committed));
    writeFileSync(
      path.join(dir, "test.yaml"),
      [
        "rule_files: [rules.yaml]",
        "evaluation_interval: 1m",
        "tests:",
        "  - interval: 1m",
        "    input_series:",
        "      - series: 'llmops_drift_detected{feature=\"language\"}'",
        "        values: '0 0 1 1'",
        '      - series: \'llmops_budget_used_ratio{scope="key",id="k1"}\'',
        "        values: '0.5 0.9 0.9 0.9'",
        "    alert_rule_test:",
        "      - { eval_time: 1m, alertname: LlmopsDriftDetected, exp_alerts: [] }",
        "      - eval_time: 3m",
        "        alertname: LlmopsDriftDetected",
        "        exp_alerts:",
        "          - exp_labels: { severity: warning, source: llmops }",
        "            exp_annotations: { summary: traffic drifted from the reference window, description: 'Drift detected (value 1).' }",
        "      - { eval_time: 0m, alertname: LlmopsBudgetNearlyUsed, exp_alerts: [] }",
        "      - eval_time: 2m",
        "        alertname: LlmopsBudgetNearlyUsed",
        "        exp_alerts:",
        "          - exp_labels: { severity: warning, source: llmops }",
        "            exp_annotations: { summary: a token budget is 80% used, description: 'Value 0.9 is above 0.8.' }",
        "",
      ].join("\n"),
    );
    const { stdout } = await run(PROMTOOL!, ["test", "rules", path.join(dir, "test.yaml")]);
    expect(stdout).toMatch(/SUCCESS/);
  });
});
