// Routing through the real gateway to real llama.cpp workers that announce themselves in the
// metadata store: bare names follow the production alias, versions and aliases route to their own
// workers, load spreads over workers, a dead worker is failed over, a version without workers is a
// clear 503, and upstreams declared in the configuration are reached by name.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI from "openai";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { routingSchema } from "../src/config/routing.js";
import { writeTinyLlama } from "../src/formats/gguf/index.js";
import { openPlatform, type Platform } from "../src/platform/open.js";
import { type RunningServer, startServer } from "../src/platform/server.js";
import { announceWorker, type WorkerLease } from "../src/platform/workers.js";
import { type RunningWorker, startWorker } from "../src/serve/worker-server.js";

const home = mkdtempSync(path.join(tmpdir(), "llmops-routing-"));
let platform: Platform;
let server: RunningServer;
let client: OpenAI;
const workers: RunningWorker[] = [];
const leases: WorkerLease[] = [];
let external: RunningWorker;
let adminKey: string;

async function serve(ref: string, announce = true): Promise<RunningWorker> {
  const version = await platform.registry.resolve(ref);
  const worker = await startWorker({
    modelPath: await platform.artifacts.localPath(version.artifactHash),
    modelName: version.ref,
    threads: 1,
    port: 0,
  });
  workers.push(worker);
  if (announce) {
    leases.push(
      await announceWorker(platform.store, {
        url: worker.url,
        modelName: version.name,
        modelVersion: version.version,
        artifactHash: version.artifactHash,
      }),
    );
  }
  return worker;
}

async function requestLog(): Promise<
  Array<{ model: string; model_version: string; upstream: string; status: number }>
> {
  await new Promise((r) => setTimeout(r, 1200)); // the log is written in batches
  return (await platform.store.db.selectFrom("requests").selectAll().orderBy("id").execute()) as never;
}

const ask = (model: string) =>
  client.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }], max_tokens: 2 });

beforeAll(async () => {
  for (const [file, seed] of [
    ["a.gguf", 1],
    ["b.gguf", 2],
  ] as const) {
    await writeTinyLlama(path.join(home, file), { type: "Q8_0", seed, chatml: true });
  }
  external = await startWorker({
    modelPath: path.join(home, "b.gguf"),
    modelName: "vendor/model-x",
    threads: 1,
    port: 0,
  });
  const config = loadConfig({
    cwd: home,
    env: { LLMOPS_HOME: home },
    flags: {
      upstreams: [{ name: "vendor", url: external.url, models: [{ name: "ext-model", as: "vendor/model-x" }] }],
      // m@3 has no worker: local → remote fallback. m@1 keys its workers on the prompt prefix.
      routing: routingSchema.parse({
        models: {
          "m@3": { fallbacks: ["m@4", "ext-model"] },
          "m@1": { strategy: "prefix-affinity" },
        },
      }),
    },
  }).config;
  platform = await openPlatform(config);
  await platform.registry.register({ file: path.join(home, "a.gguf"), name: "m", alias: "production", actor: "t" });
  await platform.registry.register({ file: path.join(home, "b.gguf"), name: "m", alias: "canary", actor: "t" });
  await platform.registry.register({ file: path.join(home, "a.gguf"), name: "m", actor: "t" }); // v3: nobody serves it
  await platform.registry.register({ file: path.join(home, "b.gguf"), name: "m", actor: "t" }); // v4: nobody either
  await serve("m@1");
  await serve("m@1");
  await serve("m@2");
  server = await startServer(platform, { host: "127.0.0.1", port: 0, logger: pino({ level: "silent" }) });
  const admin = await platform.keys.create({ name: "admin", role: "admin", createdBy: "t" });
  adminKey = admin.key;
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: admin.key, maxRetries: 0 });
});

afterAll(async () => {
  await server?.close();
  for (const lease of leases) await lease.stop().catch(() => {});
  for (const worker of [...workers, external]) await worker?.close();
  await platform?.close();
});

describe("gateway routing to announced workers", () => {
  it("routes a bare name to production, and versions and aliases to their own workers", async () => {
    expect((await ask("m")).model).toBe("m");
    expect((await ask("m@canary")).model).toBe("m@canary");
    expect((await ask("m@2")).model).toBe("m@2");
    const rows = await requestLog();
    expect(rows.map((r) => [r.model, r.model_version])).toEqual([
      ["m", "m@1"],
      ["m@canary", "m@2"],
      ["m@2", "m@2"],
    ]);
  });

  it("spreads requests over the workers of a version", async () => {
    await Promise.all(Array.from({ length: 8 }, () => ask("m@1")));
    const upstreams = new Set((await requestLog()).filter((r) => r.model === "m@1").map((r) => r.upstream));
    expect(upstreams.size).toBe(2);
  });

  it("lists served models, aliases and configured upstream models", async () => {
    const ids = (await client.models.list()).data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(["m", "m@production", "m@canary", "m@1", "m@2", "ext-model"]));
    expect(ids).not.toContain("m@3");
  });

  it("falls back from a version nobody serves to a remote upstream, and says so", async () => {
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "m@3", messages: [{ role: "user", content: "hi" }], max_tokens: 2 }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-llmops-fallback")).toBe("ext-model");
    expect(response.headers.get("x-llmops-served-by")).toBe("upstream:vendor/vendor/model-x");
    expect(((await response.json()) as { model: string }).model).toBe("m@3");
    const row = (await requestLog()).at(-1)!;
    expect(row).toMatchObject({ model: "m@3", model_version: "upstream:vendor/vendor/model-x", status: 200 });
  });

  it("keeps a prompt prefix on one worker with prefix-affinity (per-model strategy)", async () => {
    const upstreamOf = async (system: string) => {
      const response = await fetch(`${server.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
        body: JSON.stringify({
          model: "m@1",
          messages: [
            { role: "system", content: system },
            { role: "user", content: "hi" },
          ],
          max_tokens: 1,
        }),
      });
      await response.arrayBuffer();
      return response.headers.get("x-llmops-upstream");
    };
    const homes = new Set<string | null>();
    for (let i = 0; i < 4; i++) homes.add(await upstreamOf("You are the support bot of tenant 7."));
    expect(homes.size).toBe(1);
    const spread = new Set<string | null>();
    for (let i = 0; i < 12; i++) spread.add(await upstreamOf(`tenant ${i} system prompt`));
    expect(spread.size).toBe(2);
  });

  it("answers 503 with a hint for a version nobody serves", async () => {
    const error = await ask("m@4").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((error as Error).message).toMatch(/llmops worker --model m@4/);
  });

  it("forwards configured upstream models under the upstream's own name", async () => {
    const answer = await ask("ext-model");
    expect(answer.model).toBe("ext-model");
    expect(answer.choices[0]!.message.role).toBe("assistant");
    const row = (await requestLog()).find((r) => r.model === "ext-model");
    expect(row).toMatchObject({ status: 200, model_version: expect.stringContaining("vendor") });
  });

  it("follows an alias move within a second", async () => {
    await platform.registry.setAlias("m", 2, "production", "t");
    await new Promise((r) => setTimeout(r, 1100));
    await ask("m");
    const last = (await requestLog()).at(-1)!;
    expect(last).toMatchObject({ model: "m", model_version: "m@2" });
    await platform.registry.rollback("m", "production", "t");
  });

  it("fails over when a worker dies without deregistering", async () => {
    await workers[0]!.close(); // its row stays fresh for a while, as after a crash
    const answers = await Promise.all(Array.from({ length: 4 }, () => ask("m@1")));
    expect(answers.every((a) => a.choices.length === 1)).toBe(true);
  });
});
