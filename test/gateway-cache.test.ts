// Response caches through a real gateway in front of a real OpenAI-style upstream: the exact cache in
// memory and in Redis shared by two gateways, and the semantic cache on sqlite-vec (and on pgvector
// where the PostgreSQL test server has the extension). Asserts upstream hit counts, the
// x-llmops-cache header, SSE replay of cached answers, per-key isolation and the hit-rate metrics.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import OpenAI from "openai";
import pg from "pg";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CacheConfig, cacheSchema } from "../src/config/policy.js";
import { LlmopsError, notFound } from "../src/errors.js";
import { createGateway, type GatewayDeps, type Principal, type ResolvedModel } from "../src/gateway/index.js";
import { type OpenAiFixture, startOpenAiFixture } from "./helpers/openai-fixture.js";
import { requiredInCi, testPostgresUrl, testRedisUrl } from "./helpers/services.js";

const principals: Record<string, Principal> = {
  "sk-a": { keyId: "key-a", name: "a", role: "service" },
  "sk-b": { keyId: "key-b", name: "b", role: "service" },
};

function deps(upstream: OpenAiFixture): GatewayDeps {
  const model = (name: string): ResolvedModel => ({
    requested: name,
    resolved: `${name}@1`,
    upstreams: [{ id: "fx", baseUrl: upstream.baseUrl, model: `${name}-upstream` }],
  });
  return {
    async authenticate(key) {
      const principal = principals[key];
      if (principal === undefined) throw new LlmopsError("unauthorized", "invalid API key");
      return principal;
    },
    async resolveModel(name) {
      if (name === "tiny" || name === "tiny@production" || name === "embedder") return model(name.split("@")[0]!);
      throw notFound(`model '${name}' does not exist`);
    },
    async listModels() {
      return [];
    },
    recordRequest() {},
  };
}

interface Harness {
  app: FastifyInstance;
  url: string;
  registry: Registry;
  sdk(key?: string): OpenAI;
}

const harnesses: Harness[] = [];

async function gateway(upstream: OpenAiFixture, cache: unknown, redisUrl?: string): Promise<Harness> {
  const registry = new Registry();
  const config: CacheConfig = cacheSchema.parse(cache);
  const app = createGateway({
    deps: deps(upstream),
    metricsRegistry: registry,
    policy: { cache: config, redisUrl },
  });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  const harness = {
    app,
    url,
    registry,
    sdk: (key = "sk-a") => new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries: 0, timeout: 10_000 }),
  };
  harnesses.push(harness);
  return harness;
}

async function post(harness: Harness, body: unknown, headers: Record<string, string> = {}, key = "sk-a") {
  const response = await fetch(`${harness.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    cache: response.headers.get("x-llmops-cache"),
    response,
    json: () => response.json(),
  };
}

const user = (content: string) => [{ role: "user" as const, content }];
const unique = (label: string) => `${label} ${Math.random().toString(36).slice(2)}`;

let upstream: OpenAiFixture;

beforeAll(async () => {
  upstream = await startOpenAiFixture();
});

afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.app.close()));
  await upstream.close();
});

describe("exact cache (in memory)", () => {
  let gw: Harness;
  beforeAll(async () => {
    gw = await gateway(upstream, { exact: { enabled: true, ttl_seconds: 60 } });
  });

  it("answers a repeated deterministic request from the cache, with the model name the client used", async () => {
    const prompt = unique("capital of France?");
    const before = upstream.hits.chat;
    const first = await post(gw, { model: "tiny", messages: user(prompt), temperature: 0, max_tokens: 8 });
    expect(first.status).toBe(200);
    expect(first.cache).toBe("miss");
    const firstBody = await first.json();
    // Same request, keys in another order, asked through an alias of the same version.
    const second = await post(gw, { max_tokens: 8, temperature: 0, messages: user(prompt), model: "tiny@production" });
    expect(second.cache).toBe("hit");
    expect(second.response.headers.get("x-llmops-cache-source")).toBe("exact");
    const secondBody = (await second.json()) as { model: string };
    expect(secondBody.model).toBe("tiny@production");
    expect({ ...secondBody, model: "tiny" }).toEqual(firstBody);
    expect(upstream.hits.chat).toBe(before + 1);
  });

  it("bypasses sampled requests and honours opt-outs; a seed makes a request cacheable", async () => {
    const prompt = unique("tell me a story");
    const before = upstream.hits.chat;
    for (let i = 0; i < 2; i++) {
      const sampled = await post(gw, { model: "tiny", messages: user(prompt), temperature: 0.8 });
      expect(sampled.cache).toBe("bypass");
    }
    const deterministic = { model: "tiny", messages: user(prompt), temperature: 0 };
    expect((await post(gw, deterministic, { "x-llmops-cache": "no" })).cache).toBe("bypass");
    expect((await post(gw, deterministic, { "cache-control": "no-store" })).cache).toBe("bypass");
    expect(upstream.hits.chat).toBe(before + 4);
    const seeded = { model: "tiny", messages: user(prompt), temperature: 0.8, seed: 42 };
    expect((await post(gw, seeded)).cache).toBe("miss");
    expect((await post(gw, seeded)).cache).toBe("hit");
    expect((await post(gw, { ...seeded, seed: 43 })).cache).toBe("miss");
    expect(upstream.hits.chat).toBe(before + 6);
  });

  it("keeps keys apart unless shared", async () => {
    const body = { model: "tiny", messages: user(unique("per key")), temperature: 0 };
    expect((await post(gw, body, {}, "sk-a")).cache).toBe("miss");
    expect((await post(gw, body, {}, "sk-b")).cache).toBe("miss");
    expect((await post(gw, body, {}, "sk-b")).cache).toBe("hit");
  });

  it("serves a cached answer to a streaming request as SSE, and caches a streamed answer", async () => {
    const prompt = `say:${unique("streamed words come back")}`;
    const before = upstream.hits.chat;
    const json = await gw.sdk().chat.completions.create({ model: "tiny", messages: user(prompt), temperature: 0 });
    const stream = await gw.sdk().chat.completions.create({
      model: "tiny",
      messages: user(prompt),
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
      expect(chunk.model).toBe("tiny");
    }
    expect(text).toBe(json.choices[0]!.message.content);
    expect(usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 3 });
    expect(upstream.hits.chat).toBe(before + 1);

    // The other way round: a streamed answer is assembled and stored, then served as JSON.
    const streamedFirst = `say:${unique("first streamed then cached")}`;
    const live = await gw.sdk().chat.completions.create({
      model: "tiny",
      messages: user(streamedFirst),
      temperature: 0,
      stream: true,
    });
    let liveText = "";
    for await (const chunk of live) liveText += chunk.choices[0]?.delta.content ?? "";
    const cached = await post(gw, { model: "tiny", messages: user(streamedFirst), temperature: 0 });
    expect(cached.cache).toBe("hit");
    const body = (await cached.json()) as OpenAI.Chat.Completions.ChatCompletion;
    expect(body.choices[0]!.message.content).toBe(liveText);
    expect(body.choices[0]!.finish_reason).toBe("stop");
    expect(upstream.hits.chat).toBe(before + 2);
  });

  it("caches embeddings and text completions (replayed as SSE for a streaming request)", async () => {
    const before = { ...upstream.hits };
    const input = unique("embed me");
    const first = await gw.sdk().embeddings.create({ model: "tiny", input });
    const second = await gw.sdk().embeddings.create({ model: "tiny", input });
    expect(second.data[0]!.embedding).toEqual(first.data[0]!.embedding);
    expect(upstream.hits.embeddings).toBe(before.embeddings + 1);

    const prompt = `say:${unique("plain completion")}`;
    const text = await gw.sdk().completions.create({ model: "tiny", prompt, temperature: 0 });
    const stream = await gw.sdk().completions.create({ model: "tiny", prompt, temperature: 0, stream: true });
    let streamed = "";
    for await (const chunk of stream) streamed += chunk.choices[0]?.text ?? "";
    expect(streamed).toBe(text.choices[0]!.text);
    expect(upstream.hits.text).toBe(before.text + 1);
  });

  it("counts hits, misses and bypasses in the gateway's metrics", async () => {
    const text = await gw.registry.getSingleMetricAsString("llmops_gateway_cache_requests_total");
    const value = (result: string) =>
      Number(new RegExp(`cache="exact",result="${result}"} (\\d+)`).exec(text)?.[1] ?? Number.NaN);
    expect(value("hit")).toBeGreaterThanOrEqual(5);
    expect(value("miss")).toBeGreaterThanOrEqual(6);
    expect(value("bypass")).toBeGreaterThanOrEqual(4);
  });
});

describe("exact cache in Redis, shared by two gateways", () => {
  const redisUrl = testRedisUrl();
  if (redisUrl === undefined) requiredInCi("redis");

  it.skipIf(redisUrl === undefined)("a miss on one gateway is a hit on the other", async () => {
    const one = await gateway(upstream, { exact: { enabled: true, ttl_seconds: 60 } }, redisUrl);
    const two = await gateway(upstream, { exact: { enabled: true, ttl_seconds: 60 } }, redisUrl);
    const body = { model: "tiny", messages: user(unique("shared via redis")), temperature: 0 };
    const before = upstream.hits.chat;
    expect((await post(one, body)).cache).toBe("miss");
    // The store is written after the answer is sent: give it a moment.
    let cache: string | null = null;
    for (let i = 0; i < 50 && cache !== "hit"; i++) {
      cache = (await post(two, body)).cache;
      if (cache !== "hit") await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(cache).toBe("hit");
    expect(upstream.hits.chat).toBeLessThanOrEqual(before + 2);
    const hitsBefore = upstream.hits.chat;
    expect((await post(one, body)).cache).toBe("hit");
    expect(upstream.hits.chat).toBe(hitsBefore);
  });
});

describe("semantic cache", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "llmops-semantic-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const semanticSuite = async (gw: Harness) => {
    const topic = Math.random().toString(36).slice(2, 8);
    const before = upstream.hits.chat;
    const first = await post(gw, {
      model: "tiny",
      messages: user(`What is the capital of France ${topic}?`),
      temperature: 0,
    });
    expect(first.cache).toBe("miss");
    const firstBody = (await first.json()) as OpenAI.Chat.Completions.ChatCompletion;
    await new Promise((resolve) => setTimeout(resolve, 50)); // stored after the answer is sent
    // Same words, different case and punctuation: similarity 1 with the fixture's bag-of-words embeddings.
    const reworded = await post(gw, {
      model: "tiny",
      messages: user(`what is the CAPITAL of france, ${topic}`),
      temperature: 0,
    });
    expect(reworded.cache).toBe("hit");
    expect(reworded.response.headers.get("x-llmops-cache-source")).toBe("semantic");
    expect(Number(reworded.response.headers.get("x-llmops-cache-similarity"))).toBeGreaterThan(0.99);
    expect(((await reworded.json()) as typeof firstBody).choices[0]!.message.content).toBe(
      firstBody.choices[0]!.message.content,
    );
    // Another question, another key, another system prompt: all misses.
    expect(
      (await post(gw, { model: "tiny", messages: user(`How do volcanoes form ${topic}?`), temperature: 0 })).cache,
    ).toBe("miss");
    expect(
      (
        await post(
          gw,
          { model: "tiny", messages: user(`what is the capital of france ${topic}`), temperature: 0 },
          {},
          "sk-b",
        )
      ).cache,
    ).toBe("miss");
    expect(
      (
        await post(gw, {
          model: "tiny",
          messages: [
            { role: "system", content: "Answer in German." },
            ...user(`what is the capital of france ${topic}`),
          ],
          temperature: 0,
        })
      ).cache,
    ).toBe("miss");
    expect(upstream.hits.chat).toBe(before + 4);
    const metrics = await gw.registry.getSingleMetricAsString("llmops_gateway_cache_requests_total");
    expect(metrics).toMatch(/cache="semantic",result="hit"} 1/);
  };

  it("reuses the answer to a reworded question on sqlite-vec, per key and per context", async () => {
    const gw = await gateway(upstream, {
      semantic: { enabled: true, embedding_model: "embedder", threshold: 0.9, path: path.join(dir, "cache.db") },
    });
    await semanticSuite(gw);
  });

  it("works on pgvector when the PostgreSQL test server has the extension", async (context) => {
    const url = testPostgresUrl();
    if (url === undefined) {
      requiredInCi("postgres");
      context.skip();
      return;
    }
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const available = await client
      .query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
      .then((result) => result.rowCount === 1);
    await client.end();
    // Debian 12 packages no pgvector for PostgreSQL 15; CI installs it where the distribution has it.
    if (!available) {
      context.skip();
      return;
    }
    const gw = await gateway(upstream, {
      semantic: { enabled: true, embedding_model: "embedder", threshold: 0.9, store: "postgres", postgres_url: url },
    });
    await semanticSuite(gw);
  });
});
