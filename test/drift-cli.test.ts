// `llmops monitor …` as a user runs it (the built CLI): a drift check over stored feature rows with
// exit code 1 under --fail-on-drift, its JSON, the rules commands (render, validate; exit 2 on a
// broken file). Feature rows are seeded the way the gateway's monitor stage writes them.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { extractFeatures } from "../src/monitor/drift/features.js";
import { insertFeatures } from "../src/monitor/drift/store.js";
import { openPlatform } from "../src/platform/open.js";
import { runCli } from "./helpers/cli.js";

const cwd = mkdtempSync(path.join(tmpdir(), "llmops-monitor-cli-"));
const env = { LLMOPS_HOME: path.join(cwd, "home") };

beforeAll(async () => {
  const platform = await openPlatform(loadConfig({ env, cwd }).config);
  const now = Date.now();
  const rows = [];
  for (let i = 0; i < 40; i++) {
    // Reference: English, 2 hours ago; current: Chinese, 10 minutes ago.
    const en = "What is the best way to sort a list of numbers in Python?".slice(0, 30 + (i % 20));
    const zh = "请详细介绍一下中国古代四大发明的历史背景以及它们对世界文明发展的深远影响".repeat(1 + (i % 3));
    for (const [at, prompt] of [
      [now - 2 * 3_600_000 + i * 1000, en],
      [now - 600_000 + i * 1000, zh],
    ] as const) {
      rows.push(
        extractFeatures({
          id: `01TEST${String(at)}${i}`.padEnd(26, "0").slice(0, 26),
          at: new Date(at),
          model: "m",
          status: 200,
          prompt,
          promptTokens: null,
          output: `echo: ${prompt}`,
          outputTokens: null,
        }),
      );
    }
  }
  await insertFeatures(platform.store, rows);
  await platform.close();
}, 60_000);

describe("llmops monitor", () => {
  it("drift: nothing yet, then --run finds drift (exit 1 with --fail-on-drift), then shows the stored check", () => {
    const empty = runCli(["monitor", "drift"], { cwd, env });
    expect(empty.code).toBe(0);
    expect(empty.stdout).toMatch(/No drift check has run yet/);

    const run = runCli(["monitor", "drift", "--run", "--fail-on-drift"], { cwd, env });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/drift detected/);
    expect(run.stdout).toMatch(/language\s+chi_squared|language\s+z_test/);

    const shown = runCli(["monitor", "drift", "--json"], { cwd, env });
    expect(shown.code).toBe(0);
    const body = JSON.parse(shown.stdout) as {
      latest: { drifted: boolean; reference: { n: number }; current: { n: number } };
    };
    expect(body.latest.drifted).toBe(true);
    expect(body.latest.reference.n).toBe(40);
    expect(body.latest.current.n).toBe(40);

    const bad = runCli(["monitor", "drift", "--history", "many"], { cwd, env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--history 'many'/);
  });

  it("alerts: renders Prometheus rules from a rules file, validates, exit 2 on a broken file", () => {
    const rules = path.join(cwd, "alerts.yaml");
    writeFileSync(
      rules,
      "rules:\n  - { name: Slow, metric: latency_p95_ms, above: 900, for: 10m }\n  - { name: Lang, metric: drift_detected, feature: language }\n",
    );
    const rendered = runCli(["monitor", "alerts", "render-prometheus", "--rules", rules], { cwd, env });
    expect(rendered.code).toBe(0);
    expect(rendered.stdout).toMatch(/alert: Slow\n\s+expr: histogram_quantile\(0\.95, .*\* 1000 > 900\n\s+for: 10m/);
    expect(rendered.stdout).toMatch(/max\(llmops_drift_detected\{feature="language"\}\) == 1/);

    const checked = runCli(["monitor", "alerts", "check", "--rules", rules, "--json"], { cwd, env });
    expect(checked.code).toBe(0);
    expect((JSON.parse(checked.stdout) as { rules: unknown[] }).rules).toHaveLength(2);

    writeFileSync(rules, "rules:\n  - { name: Slow, metric: error_rate }\n");
    const broken = runCli(["monitor", "alerts", "check", "--rules", rules], { cwd, env });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/rules\.0\.above/);
  });
});
