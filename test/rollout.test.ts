// Rollouts end to end: real llama.cpp workers for two versions of a model, plus real HTTP servers
// announced as workers of further versions that fail or are slow on purpose. Canary splits and
// weight changes, shadow traffic recorded beside the primary's answer without touching the client's,
// and automatic rollback (error rate on a canary, p95 latency after a blue/green switch) with the
// evidence in the audit trail and the alias history — driven through the CLI's store and the API.
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { writeTinyLlama } from "../src/formats/gguf/index.js";
import { openPlatform, type Platform } from "../src/platform/open.js";
import { type RunningServer, startServer } from "../src/platform/server.js";
import { announceWorker, type WorkerLease } from "../src/platform/workers.js";
import { type Rollout, RolloutStore } from "../src/registry/rollouts.js";
import { listAudit, verifyAudit } from "../src/security/audit.js";
import { type RunningWorker, startWorker } from "../src/serve/worker-server.js";

const home = mkdtempSync(path.join(tmpdir(), "llmops-rollout-"));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let platform: Platform;
let server: RunningServer;
let rollouts: RolloutStore;
let adminKey: string;
const workers: RunningWorker[] = [];
const leases: WorkerLease[] = [];
const fakes: http.Server[] = [];

/** A real HTTP server announced as a worker of `version`: answers 500s, or valid answers slowly. */
async function fakeWorker(version: number, behaviour: "fail" | { delayMs: number }): Promise<void> {
  const server = http.createServer((request, response) => {
    if (request.method === "GET") {
      response.writeHead(200, { "content-type": "application/json" }).end('{"object":"list","data":[]}');
      return;
    }
    request.resume();
    request.on("end", () => {
      if (behaviour === "fail") {
        response
          .writeHead(500, { "content-type": "application/json" })
          .end('{"error":{"message":"candidate crashed","type":"server_error","code":"internal"}}');
        return;
      }
      setTimeout(() => {
        response.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            id: "x",
            object: "chat.completion",
            model: `m@${version}`,
            choices: [{ index: 0, message: { role: "assistant", content: "slow answer" }, finish_reason: "stop" }],
          }),
        );
      }, behaviour.delayMs);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  fakes.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  const v = await platform.registry.resolve(`m@${version}`);
  leases.push(
    await announceWorker(platform.store, { url, modelName: "m", modelVersion: version, artifactHash: v.artifactHash }),
  );
}

async function serve(version: number): Promise<void> {
  const v = await platform.registry.resolve(`m@${version}`);
  const worker = await startWorker({
    modelPath: await platform.artifacts.localPath(v.artifactHash),
    modelName: v.ref,
    threads: 1,
    port: 0,
  });
  workers.push(worker);
  leases.push(
    await announceWorker(platform.store, {
      url: worker.url,
      modelName: "m",
      modelVersion: version,
      artifactHash: v.artifactHash,
    }),
  );
}

async function ask(model = "m"): Promise<{ status: number; servedBy: string | null; model: string; content: string }> {
  const response = await fetch(`${server.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hello" }], max_tokens: 3, temperature: 0 }),
  });
  const body = (await response.json()) as { model?: string; choices?: Array<{ message: { content: string } }> };
  return {
    status: response.status,
    servedBy: response.headers.get("x-llmops-served-by"),
    model: body.model ?? "",
    content: body.choices?.[0]?.message.content ?? "",
  };
}

async function api(
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${server.url}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${adminKey}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** Waits until the gateway's 1 s resolution cache has picked up a change. */
const settle = () => sleep(1150);

async function waitForState(id: string, state: Rollout["state"], timeoutMs = 5000): Promise<Rollout> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rollout = await rollouts.get(id);
    if (rollout.state === state || Date.now() > deadline) return rollout;
    await sleep(50);
  }
}

beforeAll(async () => {
  for (const [file, seed] of [
    ["a.gguf", 1],
    ["b.gguf", 2],
  ] as const) {
    await writeTinyLlama(path.join(home, file), { type: "Q8_0", seed, chatml: true });
  }
  const config = loadConfig({ cwd: home, env: { LLMOPS_HOME: home } }).config;
  platform = await openPlatform(config);
  rollouts = new RolloutStore(platform.store, platform.registry);
  const a = path.join(home, "a.gguf");
  const b = path.join(home, "b.gguf");
  await platform.registry.register({ file: a, name: "m", alias: "production", actor: "t" }); // 1: stable
  await platform.registry.register({ file: b, name: "m", actor: "t" }); // 2: a good candidate
  await platform.registry.register({ file: a, name: "m", actor: "t" }); // 3: served by a failing server
  await platform.registry.register({ file: b, name: "m", actor: "t" }); // 4: served by a slow server
  await serve(1);
  await serve(2);
  await fakeWorker(3, "fail");
  await fakeWorker(4, { delayMs: 250 });
  server = await startServer(platform, { host: "127.0.0.1", port: 0, logger: pino({ level: "silent" }) });
  adminKey = (await platform.keys.create({ name: "admin", role: "admin", createdBy: "t" })).key;
}, 120_000);

afterAll(async () => {
  await server?.close();
  for (const lease of leases) await lease.stop().catch(() => {});
  for (const worker of workers) await worker.close();
  for (const fake of fakes) fake.close();
  await platform?.close();
});

describe("rollouts", () => {
  it("splits a canary by weight, changes the weight, and promotes", async () => {
    const started = await api("POST", "/api/v1/models/m/aliases/production/rollout", {
      kind: "canary",
      candidate: 2,
      percent: 50,
    });
    expect(started.status).toBe(201);
    expect(started.json).toMatchObject({
      kind: "canary",
      stable: "m@1",
      candidate: "m@2",
      percent: 50,
      state: "active",
    });
    const conflict = await api("POST", "/api/v1/models/m/aliases/production/rollout", { kind: "canary", candidate: 2 });
    expect(conflict.status).toBe(409);
    await settle();
    const answers = await Promise.all(Array.from({ length: 24 }, () => ask()));
    expect(answers.every((a) => a.status === 200 && a.model === "m")).toBe(true);
    const byVersion = (list: typeof answers, ref: string) => list.filter((a) => a.servedBy === ref).length;
    expect(byVersion(answers, "m@1")).toBeGreaterThanOrEqual(4);
    expect(byVersion(answers, "m@2")).toBeGreaterThanOrEqual(4);

    expect((await api("PATCH", "/api/v1/models/m/aliases/production/rollout", { percent: 0 })).status).toBe(200);
    await settle();
    const stableOnly = await Promise.all(Array.from({ length: 6 }, () => ask()));
    expect(byVersion(stableOnly, "m@1")).toBe(6);

    const promoted = await api("POST", "/api/v1/models/m/aliases/production/rollout/promote", { reason: "looks good" });
    expect(promoted.json).toMatchObject({ state: "promoted" });
    expect((await platform.registry.resolve("m@production")).version).toBe(2);
    await platform.registry.setAlias("m", 1, "production", "t", "back to 1 for the next test");
    await settle();
  }, 60_000);

  it("mirrors shadow traffic and records both answers without changing the client's", async () => {
    const rollout = await rollouts.start({
      model: "m",
      alias: "production",
      kind: "shadow",
      candidate: 2,
      percent: 100,
      actor: "t",
    });
    await settle();
    const answers: Awaited<ReturnType<typeof ask>>[] = [];
    for (let i = 0; i < 5; i++) answers.push(await ask());
    expect(answers.every((a) => a.status === 200 && a.servedBy === "m@1")).toBe(true);
    let samples: Awaited<ReturnType<RolloutStore["shadowSamples"]>> = [];
    for (let i = 0; i < 60 && samples.length < 5; i++) {
      await sleep(100);
      samples = await rollouts.shadowSamples(rollout.id);
    }
    expect(samples).toHaveLength(5);
    for (const sample of samples) {
      expect(sample).toMatchObject({
        primary_version: "m@1",
        primary_status: 200,
        candidate_version: "m@2",
        candidate_status: 200,
      });
      expect(sample.primary_output).toEqual(expect.any(String));
      expect(sample.candidate_output).toEqual(expect.any(String));
      expect(sample.candidate_latency_ms).toBeGreaterThan(0);
    }
    // Greedy decoding: the primary's recorded output is exactly what the client got.
    expect(samples.map((s) => s.primary_output).sort()).toEqual(answers.map((a) => a.content).sort());
    const listed = await api("GET", `/api/v1/rollouts/${rollout.id}/shadow`);
    expect((listed.json.data as unknown[]).length).toBe(5);
    await rollouts.abort("m", "production", "t");
    await settle();
  }, 60_000);

  it("rolls a failing canary back automatically, clients see no errors, and the evidence is audited", async () => {
    const rollout = await rollouts.start({
      model: "m",
      alias: "production",
      kind: "canary",
      candidate: 3,
      percent: 50,
      slo: { maxErrorRate: 0.2, minSamples: 5, windowMs: 30_000 },
      actor: "t",
    });
    await settle();
    const answers: Awaited<ReturnType<typeof ask>>[] = [];
    for (let i = 0; i < 30; i++) answers.push(await ask());
    // Candidate failures fall back to the stable version before anything reaches the client.
    expect(answers.every((a) => a.status === 200 && a.servedBy === "m@1")).toBe(true);
    const ended = await waitForState(rollout.id, "rolled_back");
    expect(ended.state).toBe("rolled_back");
    expect(ended.evidence).toMatchObject({
      breached: ["error_rate"],
      windowMs: 30_000,
      candidate: "m@3",
      stable: "m@1",
      candidateStats: { samples: 5, errors: 5, errorRate: 1 },
    });
    const audit = await listAudit(platform.store, { action: "rollout.rollback" });
    expect(audit[0]).toMatchObject({ target: "alias:m@production", details: { rollout: rollout.id, automatic: true } });
    expect((audit[0]!.details.evidence as { candidateStats: { samples: number } }).candidateStats.samples).toBe(5);
    const history = await platform.registry.aliasHistory("m", "production");
    expect(history.at(-1)).toMatchObject({ toVersion: 1, actor: "gateway:rollout-controller" });
    expect(history.at(-1)!.reason).toMatch(/automatic rollback.*error_rate/);
    expect((await verifyAudit(platform.store)).ok).toBe(true);
  }, 60_000);

  it("switches blue/green and rolls back on p95 latency, moving the alias back to blue", async () => {
    const rollout = await rollouts.start({
      model: "m",
      alias: "production",
      kind: "blue-green",
      candidate: 4,
      slo: { maxP95Ms: 150, minSamples: 4, windowMs: 30_000 },
      actor: "t",
    });
    const switched = await api("POST", "/api/v1/models/m/aliases/production/rollout/switch", {});
    expect(switched.status).toBe(200);
    expect((await platform.registry.resolve("m@production")).version).toBe(4);
    await settle();
    const slow = [];
    for (let i = 0; i < 4; i++) slow.push(await ask());
    expect(slow.every((a) => a.status === 200 && a.servedBy === "m@4")).toBe(true);
    const ended = await waitForState(rollout.id, "rolled_back");
    expect(ended.evidence).toMatchObject({ breached: ["p95_latency"], candidate: "m@4", stable: "m@1" });
    expect((ended.evidence as { candidateStats: { p95Ms: number } }).candidateStats.p95Ms).toBeGreaterThan(150);
    expect((await platform.registry.resolve("m@production")).version).toBe(1);
    // This gateway already routes to blue before its cache expires.
    expect((await ask()).servedBy).toBe("m@1");
  }, 60_000);

  it("rejects bad rollout requests with clear 4xx errors", async () => {
    const cases: Array<[string, string, unknown, number, RegExp]> = [
      [
        "POST",
        "/api/v1/models/m/aliases/production/rollout",
        { kind: "canary", candidate: 1 },
        400,
        /already points at version 1/,
      ],
      ["POST", "/api/v1/models/m/aliases/production/rollout", { kind: "nope", candidate: 2 }, 400, /kind/],
      ["POST", "/api/v1/models/m/aliases/production/rollout", { candidate: 2, percent: 150 }, 400, /percent/],
      ["POST", "/api/v1/models/m/aliases/production/rollout", { candidate: 99 }, 404, /no version 99/],
      ["POST", "/api/v1/models/m/aliases/nosuch/rollout", { candidate: 2 }, 404, /point the alias/],
      ["PATCH", "/api/v1/models/m/aliases/production/rollout", { percent: 5 }, 404, /no active rollout/],
      ["GET", "/api/v1/rollouts/01NOPE/shadow", undefined, 404, /does not exist/],
    ];
    for (const [method, url, body, status, message] of cases) {
      const response = await api(method, url, body);
      expect(response.status, `${method} ${url} ${JSON.stringify(body)}`).toBe(status);
      expect(JSON.stringify(response.json)).toMatch(message);
    }
    const viewer = await platform.keys.create({ name: "viewer", role: "viewer", createdBy: "t" });
    const forbidden = await fetch(`${server.url}/api/v1/models/m/aliases/production/rollout`, {
      method: "POST",
      headers: { authorization: `Bearer ${viewer.key}`, "content-type": "application/json" },
      body: JSON.stringify({ candidate: 2 }),
    });
    expect(forbidden.status).toBe(403);
    const readable = await fetch(`${server.url}/api/v1/models/m/rollouts`, {
      headers: { authorization: `Bearer ${viewer.key}` },
    });
    expect(readable.status).toBe(200);
    expect(((await readable.json()) as { data: unknown[] }).data.length).toBe(4);
  });
});
