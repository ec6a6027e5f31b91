// /api/v1/evals on the real control-plane server: permissions per role, holdout kept out of
// per-test results and reports, rendered reports, starting a run over HTTP (registered models only,
// no JavaScript), and gated promotion over HTTP.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { XMLValidator } from "fast-xml-parser";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { createProvider } from "../src/eval/providers/index.js";
import { runEval } from "../src/eval/run.js";
import { EvalStore } from "../src/eval/store.js";
import { prepareSuite } from "../src/eval/suite.js";
import type { Suite } from "../src/eval/types.js";
import { writeTinyLlama } from "../src/formats/gguf/index.js";
import { openPlatform, type Platform } from "../src/platform/open.js";
import { type RunningServer, startServer } from "../src/platform/server.js";

const home = mkdtempSync(path.join(tmpdir(), "llmops-eval-api-"));
let platform: Platform;
let server: RunningServer;
let runId = "";
const keys: Record<string, string> = {};

const suite: Suite = {
  prompts: ["Q: {{q}}\nA:"],
  options: { maxTokens: 4, temperature: 0 },
  tests: [
    { description: "visible", vars: { q: "a" }, assert: [{ type: "length", min: 0 }] },
    {
      description: "TOP-SECRET-HOLDOUT",
      vars: { q: "HOLDOUT-VALUE" },
      holdout: true,
      assert: [{ type: "length", min: 0 }],
    },
  ],
};

async function call(method: string, route: string, key: string | null, body?: unknown) {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${server.url}${route}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return {
    status: response.status,
    text,
    body: json as Record<string, unknown> & { data?: Array<Record<string, unknown>> },
  };
}

beforeAll(async () => {
  await writeTinyLlama(path.join(home, "m.gguf"), { type: "Q8_0", seed: 31 });
  platform = await openPlatform(loadConfig({ env: { LLMOPS_HOME: path.join(home, ".llmops") }, cwd: home }).config);
  await platform.registry.register({ file: path.join(home, "m.gguf"), name: "m", alias: "production", actor: "t" });
  await platform.registry.register({ file: path.join(home, "m.gguf"), name: "m", actor: "t" });
  await platform.registry.register({ file: path.join(home, "m.gguf"), name: "m", actor: "t" });
  for (const role of ["admin", "developer", "viewer", "service"]) {
    keys[role] = (await platform.keys.create({ name: role, role, createdBy: "test" })).key;
  }
  const provider = await createProvider("m@1", {
    registered: { registry: platform.registry, artifacts: platform.artifacts },
  });
  try {
    const outcome = await runEval({
      suite: prepareSuite(suite, { name: "api-suite", baseDir: home }),
      candidate: { ref: "m@1", provider },
      evals: new EvalStore(platform.store),
      cache: null,
      gate: true,
      actor: "t",
      resume: "never",
      getProvider: (s) => createProvider(s),
    });
    runId = outcome.run.id;
  } finally {
    await provider.close();
  }
  server = await startServer(platform, { host: "127.0.0.1", port: 0, logger: pino({ level: "silent" }) });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await platform?.close();
});

describe("/api/v1/evals", () => {
  it("lets admin, developer and viewer read; refuses service keys and missing keys", async () => {
    for (const role of ["admin", "developer", "viewer"]) {
      const list = await call("GET", "/api/v1/evals", keys[role] as string);
      expect(list.status).toBe(200);
      expect(list.body.data?.map((r) => r.id)).toContain(runId);
    }
    expect((await call("GET", "/api/v1/evals", keys.service as string)).status).toBe(403);
    expect((await call("GET", "/api/v1/evals", null)).status).toBe(401);
    expect((await call("GET", "/api/v1/evals/nope", keys.viewer as string)).status).toBe(404);
  });

  it("never shows holdout tests in per-test detail; shows them in aggregate", async () => {
    const run = await call("GET", `/api/v1/evals/${runId}`, keys.viewer as string);
    expect(run.status).toBe(200);
    expect(run.body.holdoutCases).toBe(1);
    expect((run.body.tests as unknown[]).length).toBe(1);
    expect(run.text).not.toContain("HOLDOUT-VALUE");
    expect(run.text).not.toContain("TOP-SECRET-HOLDOUT");
    const summary = run.body.summary as { candidate: { holdout: { cases: number } } };
    expect(summary.candidate.holdout.cases).toBe(1);
    const results = await call("GET", `/api/v1/evals/${runId}/results`, keys.viewer as string);
    expect(results.body.total).toBe(1);
    expect(results.text).not.toContain("HOLDOUT-VALUE");
    for (const format of ["html", "md", "junit", "json"]) {
      const report = await call("GET", `/api/v1/evals/${runId}/report?format=${format}`, keys.viewer as string);
      expect(report.status).toBe(200);
      expect(report.text).not.toContain("HOLDOUT-VALUE");
      if (format === "junit") expect(XMLValidator.validate(report.text)).toBe(true);
    }
    expect((await call("GET", `/api/v1/evals/${runId}/report?format=pdf`, keys.viewer as string)).status).toBe(400);
  });

  it("starts runs for evals:write only, with registered models and no JavaScript", async () => {
    expect((await call("POST", "/api/v1/evals", keys.viewer as string, { suite, model: "m@1" })).status).toBe(403);
    const js = { ...suite, tests: [{ vars: { q: "x" }, assert: [{ type: "javascript", value: "true" }] }] };
    const refusedJs = await call("POST", "/api/v1/evals", keys.developer as string, { suite: js, model: "m@1" });
    expect(refusedJs.status).toBe(400);
    expect(refusedJs.text).toMatch(/javascript assertions/);
    const remote = await call("POST", "/api/v1/evals", keys.developer as string, { suite, model: "openai:gpt-4o" });
    expect(remote.status).toBe(400);
    expect(
      (await call("POST", "/api/v1/evals", keys.developer as string, { suite: { tests: [] }, model: "m@1" })).status,
    ).toBe(400);
    const started = await call("POST", "/api/v1/evals", keys.developer as string, {
      suite,
      model: "m@2",
      gate: true,
      name: "remote",
    });
    expect(started.status).toBe(202);
    const id = started.body.id as string;
    let status = "running";
    for (let i = 0; i < 200 && status === "running"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await call("GET", `/api/v1/evals/${id}`, keys.viewer as string)).body.status as string;
    }
    expect(status).toBe("completed");
  }, 60_000);

  it("promotes over HTTP only behind a passing gated run", async () => {
    // m@1 has a passing gated run (beforeAll): accepted, with the run recorded.
    const accepted = await call("POST", "/api/v1/models/m/aliases/staging/promote", keys.developer as string, {
      version: 1,
      reason: "x",
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body.evalRun).toBe(runId);
    const ungated = await call("POST", "/api/v1/models/m/aliases/production/promote", keys.developer as string, {
      version: 3,
    });
    expect(ungated.status).toBe(409);
    expect(ungated.text).toMatch(/Refusing to promote m@3 to 'production': no gated eval run of it exists/);
    const missing = await call("POST", "/api/v1/models/m/aliases/production/promote", keys.developer as string, {
      version: 9,
    });
    expect(missing.status).toBe(404);
    const viewer = await call("POST", "/api/v1/models/m/aliases/staging/promote", keys.viewer as string, {
      version: 1,
    });
    expect(viewer.status).toBe(403);
  });
});
