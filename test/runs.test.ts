// Run tracking: the store on every configured database engine, the /api/v1/runs HTTP API on the
// real server (roles, validation, the external-trainer example end to end), and the text views.
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { openPlatform, type Platform } from "../src/platform/open.js";
import { type RunningServer, startServer } from "../src/platform/server.js";
import { openMetadataStore } from "../src/store/metadata/index.js";
import { asciiPlot } from "../src/train/plot.js";
import { renderCompare, renderRun, runHeadline } from "../src/train/report.js";
import { currentEnvironment, currentGitCommit, RunStore } from "../src/train/runs.js";
import { databaseFactories } from "./helpers/databases.js";

describe.each(databaseFactories())("run store on %s", (_name, factory) => {
  it("creates runs, logs metrics idempotently, keeps NaN, records events and status", async () => {
    const db = await factory();
    const store = await openMetadataStore(db.url);
    try {
      const runs = new RunStore(store);
      const run = await runs.create(
        {
          name: "r1",
          source: "builtin",
          params: { dim: 64 },
          dataset: { hash: "ab" },
          tokenizerHash: "cd",
          gitCommit: currentGitCommit() ?? undefined,
          env: currentEnvironment(),
        },
        "test",
      );
      expect(run.status).toBe("running");
      expect((await runs.get(run.id.slice(0, 10).toLowerCase())).id).toBe(run.id);
      await runs.logMetrics(run.id, [
        { step: 1, values: { loss: 3, lr: 0.001 } },
        { step: 2, values: { loss: 2.5, lr: 0.002 } },
        { step: 3, values: { loss: Number.NaN } },
        { step: 4, values: { loss: "Infinity" } },
        { step: 2, split: "eval", values: { loss: 2.7, accuracy: 0.25 } },
      ]);
      // A retried batch keeps the first values.
      await runs.logMetrics(run.id, [{ step: 1, values: { loss: 99 } }]);
      const series = await runs.metrics(run.id, { split: "train", names: ["loss"] });
      expect(series).toHaveLength(1);
      expect(series[0]?.steps).toEqual([1, 2, 3, 4]);
      expect(series[0]?.values.slice(0, 2)).toEqual([3, 2.5]);
      expect(series[0]?.values[2]).toBeNaN();
      expect(series[0]?.values[3]).toBe(Number.POSITIVE_INFINITY);
      const all = await runs.metrics(run.id);
      expect(all.map((s) => `${s.split}/${s.name}`)).toEqual(["eval/accuracy", "eval/loss", "train/loss", "train/lr"]);
      await runs.addEvents(run.id, [{ step: 3, kind: "divergence", severity: "error", message: "loss is NaN" }]);
      expect((await runs.events(run.id)).map((e) => e.kind)).toEqual(["divergence"]);
      const done = await runs.setStatus(run.id, "diverged", { step: 4 });
      expect(done.finishedAt).not.toBeNull();
      await expect(runs.setStatus(run.id, "running")).rejects.toMatchObject({ code: "conflict" });
      await expect(runs.get("nope")).rejects.toMatchObject({ code: "invalid_request" });
      await expect(runs.get("0000000000")).rejects.toMatchObject({ code: "not_found" });
      await expect(runs.logMetrics(run.id, [{ step: -1, values: {} }])).rejects.toMatchObject({
        code: "invalid_request",
      });
      await expect(runs.logMetrics(run.id, [{ step: 1, values: { "Bad Name": 1 } }])).rejects.toMatchObject({
        code: "invalid_request",
      });
      const second = await runs.create({ name: "r2" }, "test");
      expect((await runs.list()).map((r) => r.id)).toEqual([second.id, run.id]);
      expect((await runs.list({ status: "diverged" })).map((r) => r.id)).toEqual([run.id]);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});

describe("run text views", () => {
  it("plots a curve and skips non-finite points", () => {
    const lines = asciiPlot([{ label: "loss", x: [1, 2, 3, 4], y: [4, 3, Number.NaN, 1] }], { width: 20, height: 5 });
    expect(lines).toHaveLength(7);
    expect(lines[0]).toMatch(/^4\.000 \|\*/);
    expect(lines[4]).toMatch(/^1\.000 \|\s+\*$/);
    expect(lines.join("\n").match(/\*/g)).toHaveLength(3);
    expect(asciiPlot([{ label: "x", x: [1], y: [Number.NaN] }])).toEqual(["(no finite values to plot)"]);
  });

  it("shows headline numbers and compares two runs", () => {
    const m = [
      { split: "train", name: "loss", steps: [1, 2, 3], values: [3, 2, 2.5] },
      { split: "eval", name: "loss", steps: [3], values: [2.6] },
      { split: "train", name: "tokens_per_s", steps: [1, 2, 3], values: [100, 300, 200] },
    ];
    expect(runHeadline(m)).toMatchObject({
      steps: 3,
      final_loss: 2.5,
      best_loss: 2,
      final_val_loss: 2.6,
      tokens_per_s: 200,
    });
    const base = {
      source: "builtin",
      dataset: {},
      tokenizerHash: null,
      gitCommit: null,
      env: {},
      summary: {},
      createdAt: "t",
      createdBy: "u",
      updatedAt: "t",
      finishedAt: null,
      name: null,
    } as const;
    const a = { ...base, id: "A", status: "completed" as const, params: { lr: 0.001 } };
    const b = { ...base, id: "B", status: "completed" as const, params: { lr: 0.01 } };
    const text = renderRun(a, m, [], 30);
    expect(text).toContain("run A: completed");
    expect(text).toContain("val loss 2.6");
    expect(text).toMatch(/\* train loss {3}o val loss/);
    const cmp = renderCompare(a, m, b, [{ split: "train", name: "loss", steps: [1], values: [1.5] }]);
    expect(cmp).toMatch(/final_loss\s+2\.5\s+1\.5\s+-1/);
    expect(cmp).toMatch(/params\.lr\s+0\.001\s+0\.01\s+differs/);
  });
});

describe("/api/v1/runs", () => {
  const home = mkdtempSync(path.join(tmpdir(), "llmops-runs-"));
  let platform: Platform;
  let server: RunningServer;
  const keys: Record<string, string> = {};
  const call = async (method: string, route: string, key: string | null, body?: unknown) => {
    const headers: Record<string, string> = {};
    if (key) headers.authorization = `Bearer ${key}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${server.url}${route}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  beforeAll(async () => {
    platform = await openPlatform(loadConfig({ env: { LLMOPS_HOME: home }, cwd: home }).config);
    for (const role of ["admin", "developer", "viewer", "service"]) {
      keys[role] = (await platform.keys.create({ name: role, role, createdBy: "test" })).key;
    }
    server = await startServer(platform, { host: "127.0.0.1", port: 0, logger: pino({ level: "silent" }) });
  });
  afterAll(async () => {
    await server?.close();
    await platform?.close();
  });

  it("runs the external-trainer example end to end", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["examples/external-trainer.mjs"], {
      env: { ...process.env, LLMOPS_URL: server.url, LLMOPS_API_KEY: keys.developer, STEPS: "30" },
    });
    const id = /run (\w+)/.exec(stdout)?.[1];
    expect(id).toBeDefined();
    const shown = await call("GET", `/api/v1/runs/${id}`, keys.viewer ?? null);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ id, status: "completed", source: "external", params: { steps: 30 } });
    expect(shown.body.events[1]).toMatchObject({ kind: "note", severity: "info" });
    const metrics = await call("GET", `/api/v1/runs/${id}/metrics?split=train&name=loss`, keys.viewer ?? null);
    const loss = metrics.body.data[0];
    expect(loss.steps).toHaveLength(30);
    expect(loss.values[29]).toBeLessThan(loss.values[0] / 10);
    const evalLoss = await call("GET", `/api/v1/runs/${id}/metrics?split=eval`, keys.viewer ?? null);
    expect(evalLoss.body.data[0].steps).toEqual([10, 20, 30]);
    const artifact = await fetch(`${server.url}/api/v1/runs/${id}/artifacts/params.json`, {
      headers: { authorization: `Bearer ${keys.viewer}` },
    });
    expect(artifact.status).toBe(200);
    const fitted = (await artifact.json()) as { w: number; b: number };
    expect(fitted.w).toBeGreaterThan(2.5);
    expect(stdout).toMatch(/artifact params\.json [0-9a-f]{64}/);
    expect(shown.body.events.map((e: { kind: string }) => e.kind)).toEqual(["artifact", "note"]);
    const list = await call("GET", "/api/v1/runs", keys.viewer ?? null);
    expect(list.body.data.map((r: { id: string }) => r.id)).toContain(id);
  });

  it("enforces roles and rejects bad input with 4xx", async () => {
    expect((await call("POST", "/api/v1/runs", keys.viewer ?? null, {})).status).toBe(403);
    expect((await call("GET", "/api/v1/runs", keys.service ?? null)).status).toBe(403);
    expect((await call("GET", "/api/v1/runs", null)).status).toBe(401);
    const created = await call("POST", "/api/v1/runs", keys.admin ?? null, { name: "x" });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const bad = await call("POST", `/api/v1/runs/${id}/metrics`, keys.admin ?? null, {
      points: [{ step: "one", values: {} }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/step/);
    expect((await call("POST", `/api/v1/runs/${id}/metrics`, keys.admin ?? null, { points: [] })).status).toBe(400);
    expect((await call("PUT", `/api/v1/runs/${id}/status`, keys.admin ?? null, { status: "exploded" })).status).toBe(
      400,
    );
    expect((await call("GET", "/api/v1/runs/01ZZZZZZZZZZZZZZZZZZZZZZZZ", keys.admin ?? null)).status).toBe(404);
    expect((await call("GET", `/api/v1/runs/${id}/artifacts/nothing`, keys.admin ?? null)).status).toBe(404);
    expect((await call("GET", `/api/v1/runs/${id}/artifacts/..%2Fx`, keys.admin ?? null)).status).toBe(400);
    const noBody = await call("PUT", `/api/v1/runs/${id}/artifacts/a.bin`, keys.admin ?? null, { not: "a stream" });
    expect(noBody.status).toBe(400);
    const viewerPut = await fetch(`${server.url}/api/v1/runs/${id}/artifacts/a.bin`, {
      method: "PUT",
      headers: { authorization: `Bearer ${keys.viewer}`, "content-type": "application/octet-stream" },
      body: new Uint8Array([1, 2, 3]),
    });
    expect(viewerPut.status).toBe(403);
    expect((await call("PUT", `/api/v1/runs/${id}/status`, keys.admin ?? null, { status: "failed" })).status).toBe(200);
    expect((await call("PUT", `/api/v1/runs/${id}/status`, keys.admin ?? null, { status: "running" })).status).toBe(
      409,
    );
  });
});
