// The drift monitor's schedule and queue against a real SQLite store: rows recorded through the
// batched writer (text dropped, features kept), checks run by the interval timer on their own,
// the hook after each check, the gauges, and a clean close.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../config/index.js";
import { createBatchedRequestRecorder } from "../../gateway/request-log.js";
import { openPlatform, type Platform } from "../../platform/open.js";
import type { DriftReport } from "./check.js";
import { driftConfigSchema } from "./config.js";
import { startDriftMonitor } from "./service.js";
import { driftHistory } from "./store.js";

let platform: Platform;
beforeAll(async () => {
  const home = mkdtempSync(path.join(tmpdir(), "llmops-drift-service-"));
  platform = await openPlatform(loadConfig({ env: { LLMOPS_HOME: home }, cwd: home }).config);
});
afterAll(async () => platform?.close());

const quiet = { info() {}, warn() {}, error() {} };

describe("startDriftMonitor", () => {
  it("writes feature rows in batches and runs checks on its interval", async () => {
    const registry = new Registry();
    const seen: DriftReport[] = [];
    const monitor = startDriftMonitor({
      store: platform.store,
      batch: createBatchedRequestRecorder,
      config: driftConfigSchema.parse({ interval: "300ms", min_samples: 2 }),
      registry,
      log: quiet,
      afterCheck: async (report) => {
        seen.push(report);
      },
    });
    for (let i = 0; i < 5; i++) {
      monitor.record({
        id: `01JSERVICE${String(i).padStart(16, "0")}`,
        at: new Date(),
        model: "m",
        status: 200,
        prompt: `secret prompt number ${i}`,
        promptTokens: 4,
        output: "I'm sorry, but I can't help with that.",
        outputTokens: 9,
      });
    }
    await expect.poll(() => seen.length, { timeout: 5000, interval: 100 }).toBeGreaterThanOrEqual(2);
    await monitor.close();
    const rows = await platform.store.db.selectFrom("monitor_features").selectAll().execute();
    expect(rows).toHaveLength(5);
    expect(rows[0]).toMatchObject({ prompt_chars: 22, prompt_tokens: 4, lang: "en", refusal: 1, output_tokens: 9 });
    expect(JSON.stringify(rows)).not.toContain("secret");
    const history = await driftHistory(platform.store, 10);
    expect(history.length).toBe(seen.length);
    expect(history[0]!.current.n).toBe(5);
    expect(monitor.latest?.id).toBe(history[0]!.id);
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/llmops_drift_detected\{feature="prompt_length"\} 0/);
    expect(metrics).toMatch(/llmops_drift_last_check_timestamp_seconds \d+/);
    // Closed: the timer is gone.
    const count = seen.length;
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(seen.length).toBe(count);
  });
});
