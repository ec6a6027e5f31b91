// Alerts: the state machine (pending for `for`, one notification per firing, resolved), webhook
// delivery against a real local HTTP receiver (retries with backoff on 503, no retry on 400, the
// timeout), and the whole loop in a running gateway: failing requests fire an error-rate alert
// that reaches the webhook once and resolves after healthy traffic.
import { once } from "node:events";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { AlertEvaluator } from "../src/monitor/alerts/evaluate.js";
import { loadAlertsFile, parseAlerts } from "../src/monitor/alerts/rules.js";
import type { AlertNotification } from "../src/monitor/alerts/webhook.js";
import { postWebhook } from "../src/monitor/alerts/webhook.js";
import { createLogger } from "../src/platform/logger.js";
import { openPlatform, type Platform } from "../src/platform/open.js";
import { type RunningServer, startServer } from "../src/platform/server.js";
import { type OpenAiFixture, startOpenAiFixture } from "./helpers/openai-fixture.js";

interface Receiver {
  url: string;
  received: Array<{ at: number; body: AlertNotification }>;
  /** Status of each next answer (default 200); "hang" never answers. */
  script: Array<number | "hang">;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const state = { received: [] as Receiver["received"], script: [] as Receiver["script"] };
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let text = "";
    request.on("data", (chunk) => {
      text += chunk;
    });
    request.on("end", () => {
      state.received.push({ at: Date.now(), body: JSON.parse(text) as AlertNotification });
      const next = state.script.shift() ?? 200;
      if (next === "hang") return;
      response.writeHead(next).end();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    get received() {
      return state.received;
    },
    get script() {
      return state.script;
    },
    set script(value) {
      state.script = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const notification: AlertNotification = {
  status: "firing",
  alert: "T",
  metric: "error_rate",
  severity: "warning",
  summary: "test",
  value: 1,
  threshold: 0.5,
  started_at: new Date(0).toISOString(),
};

describe("alert rules and state", () => {
  it("pends for `for`, fires once, never repeats while firing, resolves", () => {
    const { rules } = parseAlerts(
      { rules: [{ name: "Slow", metric: "latency_p95_ms", above: 100, for: "5m" }] },
      "test",
    );
    const evaluator = new AlertEvaluator(rules);
    const t0 = Date.parse("2026-01-01T00:00:00Z");
    const at = (minutes: number) => new Date(t0 + minutes * 60_000);
    const observe = (value: number) => () => ({ value, firing: value > 100 });
    expect(evaluator.step(observe(50), at(0))).toEqual([]);
    expect(evaluator.step(observe(150), at(1))).toEqual([]);
    expect(evaluator.status()[0]!.state).toBe("pending");
    expect(evaluator.step(observe(150), at(4))).toEqual([]);
    const fired = evaluator.step(observe(170), at(6));
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({
      status: "firing",
      alert: "Slow",
      value: 170,
      threshold: 100,
      started_at: at(1).toISOString(),
    });
    expect(evaluator.step(observe(180), at(7))).toEqual([]);
    expect(evaluator.step(observe(190), at(30))).toEqual([]);
    const resolved = evaluator.step(observe(20), at(31));
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toMatchObject({ status: "resolved", ended_at: at(31).toISOString() });
    expect(evaluator.status()[0]!.state).toBe("inactive");
    // A blip shorter than `for` never fires.
    evaluator.step(observe(150), at(40));
    expect(evaluator.step(observe(50), at(42))).toEqual([]);
  });

  it("rejects bad rules with a message that names the field", async () => {
    expect(() => parseAlerts({ rules: [{ name: "X", metric: "error_rate" }] }, "f.yaml")).toThrow(
      /f\.yaml: rules\.0\.above: .*above: N/,
    );
    expect(() => parseAlerts({ rules: [{ name: "bad name", metric: "drift_detected" }] }, "f.yaml")).toThrow(
      /rules\.0\.name/,
    );
    expect(() =>
      parseAlerts({ rules: [{ name: "X", metric: "error_rate", above: 1, for: "soon" }] }, "f.yaml"),
    ).toThrow(/not a duration/);
    expect(() =>
      parseAlerts(
        {
          rules: [
            { name: "A", metric: "drift_detected" },
            { name: "A", metric: "drift_detected" },
          ],
        },
        "f.yaml",
      ),
    ).toThrow(/duplicate rule name A/);
    const dir = mkdtempSync(path.join(tmpdir(), "llmops-alert-rules-"));
    writeFileSync(path.join(dir, "broken.yaml"), "rules: [ {");
    await expect(loadAlertsFile(path.join(dir, "broken.yaml"))).rejects.toThrow(/not valid YAML/);
    await expect(loadAlertsFile(path.join(dir, "missing.yaml"))).rejects.toThrow(/cannot read the rules file/);
    writeFileSync(
      path.join(dir, "ok.yaml"),
      "alerts:\n  rules:\n    - { name: D, metric: drift_detected, feature: language }\n",
    );
    expect((await loadAlertsFile(path.join(dir, "ok.yaml"))).rules[0]).toMatchObject({
      name: "D",
      feature: "language",
      for: 0,
    });
  });
});

describe("webhook delivery to a real receiver", () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => receiver.close());

  const webhook = (extra: Record<string, unknown> = {}) =>
    parseAlerts({ webhook: { url: receiver.url, backoff: "100ms", timeout: "1s", ...extra } }, "test").webhook!;

  it("retries 503s with doubling waits, then delivers", async () => {
    receiver.received.length = 0;
    receiver.script = [503, 503];
    const result = await postWebhook(webhook(), notification);
    expect(result).toMatchObject({ delivered: true, attempts: 3, status: 200 });
    expect(receiver.received.map((r) => r.body)).toEqual([notification, notification, notification]);
    const [a, b, c] = receiver.received.map((r) => r.at);
    expect(b! - a!).toBeGreaterThanOrEqual(90);
    expect(c! - b!).toBeGreaterThanOrEqual(190);
  });

  it("does not retry a 400, and gives up after the retries", async () => {
    receiver.received.length = 0;
    receiver.script = [400];
    expect(await postWebhook(webhook(), notification)).toMatchObject({ delivered: false, attempts: 1, status: 400 });
    receiver.script = [500, 500, 500];
    expect(await postWebhook(webhook({ retries: 2 }), notification)).toMatchObject({
      delivered: false,
      attempts: 3,
      status: 500,
    });
  });

  it("times out a receiver that never answers", async () => {
    receiver.script = ["hang"];
    const started = performance.now();
    const result = await postWebhook(webhook({ retries: 0, timeout: "300ms" }), notification);
    expect(result).toMatchObject({ delivered: false, attempts: 1, error: "timed out after 300 ms" });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe("alerts in a running gateway", () => {
  let upstream: OpenAiFixture;
  let receiver: Receiver;
  let platform: Platform;
  let server: RunningServer;
  let key: string;

  beforeAll(async () => {
    upstream = await startOpenAiFixture({ promptTokens: 100, completionTokens: 20 });
    receiver = await startReceiver();
    const home = mkdtempSync(path.join(tmpdir(), "llmops-alerts-"));
    writeFileSync(
      path.join(home, "llmops.yaml"),
      [
        "upstreams:",
        `  - { name: fixture, url: "${upstream.baseUrl}", models: [fx] }`,
        "monitoring:",
        "  drift: { interval: 1h }",
        "alerts:",
        `  webhook: { url: "${receiver.url}", backoff: 100ms }`,
        "  rules:",
        "    - { name: ManyErrors, metric: error_rate, above: 0.5, window: 1m, severity: critical, summary: most requests fail }",
        "    - { name: BudgetHigh, metric: budget_used, above: 0.7, summary: budget nearly used }",
        "limits:",
        "  keys:",
        "    budgeted: { budget_tokens: 400 }",
        "",
      ].join("\n"),
    );
    platform = await openPlatform(loadConfig({ env: { LLMOPS_HOME: home }, cwd: home }).config);
    server = await startServer(platform, { host: "127.0.0.1", port: 0, logger: createLogger("silent") });
    key = (await platform.keys.create({ name: "alerts", role: "admin", createdBy: "test" })).key;
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await platform?.close();
    await upstream?.close();
    await receiver?.close();
  });

  const chat = async (model: string, as = key) =>
    (
      await fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${as}`, "content-type": "application/json" },
        body: JSON.stringify({ model, max_tokens: 3, messages: [{ role: "user", content: "hi" }] }),
      })
    ).status;
  const tick = async () => {
    const response = await fetch(`${server.url}/api/v1/drift/check`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { alerts: Array<{ rule: string; state: string; value: number | null }> }).alerts;
  };
  const named = (name: string) => receiver.received.filter((r) => r.body.alert === name).map((r) => r.body);

  it("fires on errors once, delivers to the webhook, resolves after healthy traffic", async () => {
    for (let i = 0; i < 6; i++) expect(await chat("no-such-model")).toBe(404);
    expect(await chat("fx")).toBe(200);
    // The request log is written in batches (≤ 1 s): tick until the errors are visible.
    await expect.poll(async () => (await tick())[0]!.state, { timeout: 5000, interval: 300 }).toBe("firing");
    await expect.poll(() => receiver.received.length, { timeout: 3000 }).toBe(1);
    expect(receiver.received[0]!.body).toMatchObject({
      status: "firing",
      alert: "ManyErrors",
      severity: "critical",
      threshold: 0.5,
    });
    expect(receiver.received[0]!.body.summary).toMatch(/most requests fail \(7 requests\)/);
    // Still firing: no second notification.
    await tick();
    await tick();
    const listed = await fetch(`${server.url}/api/v1/alerts`, { headers: { authorization: `Bearer ${key}` } });
    const body = (await listed.json()) as {
      status: Array<{ state: string }>;
      deliveries: Array<{ delivered: boolean }>;
    };
    expect(body.status[0]!.state).toBe("firing");
    expect(body.deliveries).toHaveLength(1);
    expect(body.deliveries[0]!.delivered).toBe(true);

    for (let i = 0; i < 10; i++) expect(await chat("fx")).toBe(200);
    await expect.poll(async () => (await tick())[0]!.state, { timeout: 5000, interval: 300 }).toBe("inactive");
    await expect.poll(() => receiver.received.length, { timeout: 3000 }).toBe(2);
    expect(receiver.received[1]!.body).toMatchObject({ status: "resolved", alert: "ManyErrors" });
  }, 30_000);

  it("fires when a key's token budget is 70% used, read from the limit store; /metrics shows the ratio", async () => {
    const budgeted = (await platform.keys.create({ name: "budgeted", role: "service", createdBy: "test" })).key;
    expect((await tick()).find((a) => a.rule === "BudgetHigh")!.state).toBe("inactive");
    // The upstream reports 100 + 20 tokens per answer: 3 answers = 360 of 400 tokens.
    for (let i = 0; i < 3; i++) expect(await chat("fx", budgeted)).toBe(200);
    await expect
      .poll(async () => (await tick()).find((a) => a.rule === "BudgetHigh")!.state, { timeout: 5000, interval: 200 })
      .toBe("firing");
    await expect.poll(() => named("BudgetHigh").length, { timeout: 3000 }).toBe(1);
    expect(named("BudgetHigh")[0]).toMatchObject({ status: "firing", value: 0.9, threshold: 0.7 });
    expect(named("BudgetHigh")[0]!.summary).toMatch(/key budgeted: 360 of 400 tokens/);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/llmops_budget_used_ratio\{scope="key",id="budgeted"\} 0\.9/);
  }, 30_000);
});
