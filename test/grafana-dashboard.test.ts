// Every Grafana dashboard in deploy/grafana may reference only metrics we export. The exported set
// is read from the live registries — the gateway's GET /metrics (started through the platform with
// limits, caches and guardrails on, so every stage registers its metrics) and a worker's registry
// — so metrics added or renamed by any part of the gateway are checked without editing this test.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { createLogger } from "../src/platform/logger.js";
import { openPlatform, type Platform } from "../src/platform/open.js";
import { type RunningServer, startServer } from "../src/platform/server.js";
import { createWorkerMetrics } from "../src/serve/worker-metrics.js";

const DIR = path.resolve(import.meta.dirname, "../deploy/grafana");
let platform: Platform;
let server: RunningServer;
/** metric name → type, from `# TYPE` lines. */
const exported = new Map<string, string>();

function readTypes(text: string): void {
  for (const match of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) exported.set(match[1]!, match[2]!);
}

beforeAll(async () => {
  const home = mkdtempSync(path.join(tmpdir(), "llmops-grafana-"));
  writeFileSync(
    path.join(home, "llmops.yaml"),
    [
      "limits: { keys: { '*': { requests_per_minute: 100000 } } }",
      "cache: { exact: { enabled: true } }",
      "guardrails: { input: { banned_terms: { action: log, terms: [x] } } }",
    ].join("\n"),
  );
  platform = await openPlatform(loadConfig({ env: { LLMOPS_HOME: home }, cwd: home }).config);
  server = await startServer(platform, { host: "127.0.0.1", port: 0, logger: createLogger("silent") });
  readTypes(await (await fetch(`${server.url}/metrics`)).text());
  const worker = createWorkerMetrics("tiny", () => ({ active: 0, queued: 0 }) as never);
  readTypes(await worker.registry.metrics());
}, 60_000);
afterAll(async () => {
  await server?.close();
  await platform?.close();
});

interface Dashboard {
  panels?: Panel[];
  templating?: { list?: Array<{ definition?: string; query?: unknown }> };
}
interface Panel {
  title?: string;
  panels?: Panel[];
  targets?: Array<{ expr?: string }>;
}

/** Every PromQL expression of a dashboard: panel targets (rows included) and template queries. */
function expressions(dashboard: Dashboard): string[] {
  const out: string[] = [];
  const visit = (panels: Panel[] | undefined) => {
    for (const panel of panels ?? []) {
      for (const target of panel.targets ?? []) if (target.expr) out.push(target.expr);
      visit(panel.panels);
    }
  };
  visit(dashboard.panels);
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.definition) out.push(variable.definition);
  }
  return out;
}

/** Metric names in a PromQL expression (ours all start with llmops_; label values are stripped first). */
function metricNames(expr: string): string[] {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  return [...new Set([...withoutStrings.matchAll(/\b(llmops_[a-z0-9_]+)\b/g)].map((m) => m[1]!))];
}

/** Names not exported: a histogram's _bucket/_sum/_count series count as its own. */
function missing(names: string[], types: ReadonlyMap<string, string>): string[] {
  return names.filter((name) => {
    if (types.has(name)) return false;
    const base = name.replace(/_(bucket|sum|count)$/, "");
    return !(base !== name && (types.get(base) === "histogram" || types.get(base) === "summary"));
  });
}

const files = readdirSync(DIR).filter((file) => file.endsWith(".json"));

describe("Grafana dashboards", () => {
  it("exist and are valid dashboard JSON", () => {
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const dashboard = JSON.parse(readFileSync(path.join(DIR, file), "utf8")) as Dashboard & { title?: string };
      expect(dashboard.title, file).toBeTruthy();
      expect(expressions(dashboard).length, file).toBeGreaterThan(5);
    }
  });

  it("read the exported metrics from the live registries", () => {
    expect(exported.get("llmops_gateway_request_duration_seconds")).toBe("histogram");
    expect(exported.get("llmops_worker_requests_total")).toBe("counter");
    expect(missing(["llmops_gateway_request_duration_seconds_bucket"], exported)).toEqual([]);
    expect(missing(["llmops_not_a_metric_total", "llmops_gateway_requests_total_bucket"], exported)).toEqual([
      "llmops_not_a_metric_total",
      "llmops_gateway_requests_total_bucket",
    ]);
  });

  it.each(files)("%s references only exported metrics", (file) => {
    const dashboard = JSON.parse(readFileSync(path.join(DIR, file), "utf8")) as Dashboard;
    const problems: string[] = [];
    for (const expr of expressions(dashboard)) {
      const names = metricNames(expr);
      if (names.length === 0) problems.push(`no llmops metric in: ${expr}`);
      for (const name of missing(names, exported)) problems.push(`${name} (in: ${expr})`);
      let depth = 0;
      for (const char of expr) {
        depth += char === "(" ? 1 : char === ")" ? -1 : 0;
        if (depth < 0) break;
      }
      if (depth !== 0) problems.push(`unbalanced parentheses: ${expr}`);
    }
    expect(problems).toEqual([]);
  });
});
