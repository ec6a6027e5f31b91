// Drift detection end to end: a real gateway (`startServer`, as `llmops up` runs it) in front of a
// tiny OpenAI-compatible upstream, drift monitoring on by default with a short current window. Two
// rounds of the same English traffic show no drift; then Chinese long prompts (a third of them answered
// with a refusal) drift on prompt length, tokens, language, output length, refusal rate and the
// prompts' mean embedding (the upstream's /v1/embeddings, as monitoring.drift.embedding_model). Results
// appear in GET /api/v1/drift, /metrics and the stored features carry no text.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import type { DriftReport } from "../src/monitor/drift/check.js";
import { createLogger } from "../src/platform/logger.js";
import { openPlatform, type Platform } from "../src/platform/open.js";
import { type RunningServer, startServer } from "../src/platform/server.js";
import { type OpenAiFixture, startOpenAiFixture } from "./helpers/openai-fixture.js";

const CURRENT_WINDOW_MS = 4000;
let upstream: OpenAiFixture;
let platform: Platform;
let server: RunningServer;
let key: string;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const EN = [
  "What is the capital of France?",
  "Can you tell me a joke about the weather?",
  "What is the best way to sort a list of numbers in Python?",
  "Summarize this: the meeting moved to Tuesday.",
  "Translate hello to Spanish",
  "Why is the sky blue?",
];
const ZH = [
  "请详细介绍一下中国古代四大发明的历史背景、发明过程以及它们对世界文明发展的深远影响，并举例说明。",
  "请帮我写一篇关于春天的散文，描写江南水乡的景色、人们的生活以及季节变化带来的感受，字数不少于三百字。",
  "say:抱歉，我无法帮助你完成这个请求。请用中文解释量子计算的基本原理以及它与经典计算的区别，越详细越好。",
];

async function chat(content: string, stream = false): Promise<number> {
  const response = await fetch(`${server.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "fx", messages: [{ role: "user", content }], stream }),
  });
  await response.text();
  return response.status;
}

async function traffic(prompts: readonly string[], n: number): Promise<void> {
  for (let i = 0; i < n; i++) expect(await chat(prompts[i % prompts.length]!, i % 4 === 3)).toBe(200);
}

async function check(): Promise<DriftReport> {
  const response = await fetch(`${server.url}/api/v1/drift/check`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}` },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { report: DriftReport }).report;
}

const verdicts = (report: DriftReport) => Object.fromEntries(report.features.map((f) => [f.feature, f.drifted]));

beforeAll(async () => {
  upstream = await startOpenAiFixture();
  const home = mkdtempSync(path.join(tmpdir(), "llmops-drift-"));
  writeFileSync(
    path.join(home, "llmops.yaml"),
    [
      "upstreams:",
      `  - { name: fixture, url: "${upstream.baseUrl}", models: [fx] }`,
      "monitoring:",
      `  drift: { interval: 1h, current_window: ${CURRENT_WINDOW_MS}ms, reference_window: 1h, min_samples: 20, embedding_model: fx }`,
      "",
    ].join("\n"),
  );
  platform = await openPlatform(loadConfig({ env: { LLMOPS_HOME: home }, cwd: home }).config);
  server = await startServer(platform, { host: "127.0.0.1", port: 0, logger: createLogger("silent") });
  key = (await platform.keys.create({ name: "drift", role: "admin", createdBy: "test" })).key;
}, 60_000);

afterAll(async () => {
  await server?.close();
  await platform?.close();
  await upstream?.close();
});

describe("drift detection through a real gateway", () => {
  it("finds no drift in identical traffic, then drift on the features Chinese long prompts change", async () => {
    await traffic(EN, 30);
    await sleep(CURRENT_WINDOW_MS + 300);
    await traffic(EN, 30);
    const same = await check();
    expect(same.reference.n).toBe(30);
    expect(same.current.n).toBe(30);
    expect(same.drifted).toBe(false);
    for (const f of same.features) {
      expect(f.status, f.feature).toBe("ok");
      expect(f.drifted, f.feature).toBe(false);
    }
    expect(same.features.map((f) => f.feature)).toContain("embedding_centroid");
    expect(same.features.find((f) => f.feature === "prompt_length")!.test).toBe("ks");
    // One language on both sides: chi-squared (two categories would take the Z-test).
    expect(same.features.find((f) => f.feature === "language")!.test).toBe("chi_squared");

    await sleep(CURRENT_WINDOW_MS + 300);
    await traffic(ZH, 30);
    const shifted = await check();
    expect(shifted.reference.n).toBe(60);
    expect(shifted.current.n).toBe(30);
    expect(verdicts(shifted)).toEqual({
      prompt_length: true,
      token_distribution: true,
      language: true,
      output_length: true,
      refusal_rate: true,
      embedding_centroid: true,
    });
    const language = shifted.features.find((f) => f.feature === "language")!;
    expect(language.test).toBe("z_test");
    expect(language.reference).toEqual({ en: 1 });
    expect(language.current).toEqual({ zh: 1 });
    expect(shifted.features.find((f) => f.feature === "refusal_rate")!.current.refusal).toBeCloseTo(1 / 3, 2);

    // The API: latest first, then history.
    const api = await fetch(`${server.url}/api/v1/drift?limit=5`, { headers: { authorization: `Bearer ${key}` } });
    const body = (await api.json()) as { latest: DriftReport; history: DriftReport[] };
    expect(body.latest.id).toBe(shifted.id);
    expect(body.history.map((h) => h.id)).toEqual([shifted.id, same.id]);

    // /metrics
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/llmops_drift_detected\{feature="language"\} 1/);
    expect(metrics).toMatch(/llmops_drift_detected\{feature="prompt_length"\} 1/);
    expect(metrics).toMatch(/llmops_drift_score\{feature="token_distribution"\} 0\.\d+/);

    // Features only: no prompt or answer text anywhere in the table.
    const rows = await platform.store.db.selectFrom("monitor_features").selectAll().execute();
    expect(rows).toHaveLength(90);
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain("capital");
    expect(dump).not.toContain("四大发明");
  }, 60_000);

  it("refuses bad query parameters and requests without a key", async () => {
    const bad = await fetch(`${server.url}/api/v1/drift?limit=abc`, { headers: { authorization: `Bearer ${key}` } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/limit/);
    expect((await fetch(`${server.url}/api/v1/drift`)).status).toBe(401);
  });
});
