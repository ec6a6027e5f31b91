// Rate limits and budgets through a real gateway in front of a real OpenAI-style upstream: requests
// and tokens per minute, token budgets with reservation and reconciliation, per key, team and model,
// OpenAI's 429 shape and headers, GET /api/v1/limits and its permissions — in process (no Redis) and
// with Redis shared by several gateways in this process.
import type { FastifyInstance } from "fastify";
import OpenAI from "openai";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LimitsConfig, limitsSchema } from "../src/config/policy.js";
import { LlmopsError, notFound } from "../src/errors.js";
import { createGateway, type GatewayDeps, type Principal, type ResolvedModel } from "../src/gateway/index.js";
import { type OpenAiFixture, startOpenAiFixture } from "./helpers/openai-fixture.js";
import { requiredInCi, testRedisUrl } from "./helpers/services.js";

const PROMPT_TOKENS = 7;
const COMPLETION_TOKENS = 3;
const USED = PROMPT_TOKENS + COMPLETION_TOKENS;

function principals(run: string): Record<string, Principal> {
  return {
    "sk-a": { keyId: `${run}-a`, name: "a", role: "service" },
    "sk-b": { keyId: `${run}-b`, name: "b", role: "service" },
    "sk-c": { keyId: `${run}-c`, name: "c", role: "service" },
    "sk-admin": { keyId: `${run}-admin`, name: "root", role: "admin" },
  };
}

function deps(upstream: OpenAiFixture, run: string): GatewayDeps {
  const keys = principals(run);
  return {
    async authenticate(key) {
      const principal = keys[key];
      if (principal === undefined) throw new LlmopsError("unauthorized", "invalid API key");
      return principal;
    },
    async resolveModel(name): Promise<ResolvedModel> {
      if (!name.startsWith("tiny")) throw notFound(`model '${name}' does not exist`);
      return {
        requested: name,
        resolved: `${name}@1`,
        upstreams: [{ id: "fx", baseUrl: upstream.baseUrl, model: name }],
      };
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
}

const harnesses: Harness[] = [];

async function gateway(upstream: OpenAiFixture, run: string, limits: unknown, redisUrl?: string): Promise<Harness> {
  const registry = new Registry();
  const config: LimitsConfig = limitsSchema.parse(limits);
  const app = createGateway({
    deps: deps(upstream, run),
    metricsRegistry: registry,
    policy: { limits: config, redisUrl },
  });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  const harness = { app, url, registry };
  harnesses.push(harness);
  return harness;
}

function chat(harness: Harness, key: string, body: Record<string, unknown> = {}) {
  return fetch(`${harness.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "tiny", messages: [{ role: "user", content: "hi" }], max_tokens: 3, ...body }),
  });
}

async function limitsOf(harness: Harness, key: string, query = "") {
  const response = await fetch(`${harness.url}/api/v1/limits${query}`, { headers: { authorization: `Bearer ${key}` } });
  return {
    status: response.status,
    body: (await response.json()) as { data: Array<Record<string, unknown>>; error?: unknown },
  };
}

/** Reads the body (so the connection is reused) and returns the status. */
async function statusOf(response: Response): Promise<number> {
  await response.arrayBuffer();
  return response.status;
}

/**
 * Per-minute counters are fixed windows: a test that fills one must not straddle two. Called at the
 * start of those tests; waits (at most 6 s) when the minute is about to turn.
 */
async function awayFromMinuteEnd(): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 54_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 50));
}

const newRun = () => `run${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

let upstream: OpenAiFixture;
beforeAll(async () => {
  upstream = await startOpenAiFixture({ promptTokens: PROMPT_TOKENS, completionTokens: COMPLETION_TOKENS });
});
afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.app.close()));
  await upstream.close();
});

describe("limits in process", () => {
  it("refuses the request over the per-minute limit with OpenAI's 429, retry-after and x-ratelimit headers", async () => {
    await awayFromMinuteEnd();
    const gw = await gateway(upstream, newRun(), { keys: { "*": { requests_per_minute: 3 } } });
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await chat(gw, "sk-a");
      expect(response.status).toBe(200);
      expect(response.headers.get("x-ratelimit-limit-requests")).toBe("3");
      remaining.push(response.headers.get("x-ratelimit-remaining-requests") ?? "");
      await response.arrayBuffer();
    }
    expect(remaining).toEqual(["2", "1", "0"]);
    const refused = await chat(gw, "sk-a");
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(61);
    const body = (await refused.json()) as { error: { type: string; code: string; message: string } };
    expect(body.error.type).toBe("rate_limit_error");
    expect(body.error.message).toMatch(/Rate limit reached for API key .* on requests per minute: limit 3, used 3/);
    // Another key has its own counter; the SDK raises RateLimitError for the first one.
    expect((await chat(gw, "sk-b")).status).toBe(200);
    const sdk = new OpenAI({ apiKey: "sk-a", baseURL: `${gw.url}/v1`, maxRetries: 0 });
    await expect(
      sdk.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toBeInstanceOf(OpenAI.RateLimitError);
    const metrics = await gw.registry.getSingleMetricAsString("llmops_gateway_rate_limited_total");
    expect(metrics).toContain('llmops_gateway_rate_limited_total{scope="key",measure="requests_per_minute"} 2');
  });

  it("is exact under concurrency: 60 simultaneous requests against a limit of 25 → 25 succeed", async () => {
    await awayFromMinuteEnd();
    const gw = await gateway(upstream, newRun(), { keys: { a: { requests_per_minute: 25 } } });
    const statuses = await Promise.all(Array.from({ length: 60 }, () => chat(gw, "sk-a").then(statusOf)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(25);
    expect(statuses.filter((s) => s === 429)).toHaveLength(35);
  });

  it("reserves prompt bound + max_tokens up front and charges the real usage afterwards", async () => {
    const gw = await gateway(upstream, newRun(), { keys: { "*": { budget_tokens: 200, budget_period: "day" } } });
    // "hi" → 2 bytes + 8 per message + 16 = 26 prompt tokens at most, + max_tokens 3 = 29 reserved.
    for (let i = 0; i < 5; i++) expect((await chat(gw, "sk-a")).status).toBe(200);
    const mine = await limitsOf(gw, "sk-a");
    expect(mine.status).toBe(200);
    expect(mine.body.data).toEqual([
      expect.objectContaining({ scope: "key", measure: "budget_tokens", period: "day", limit: 200, used: 5 * USED }),
    ]);
    // A request whose reservation does not fit what is left is refused; one that fits goes through.
    const big = await chat(gw, "sk-a", { max_tokens: 200 - 5 * USED - 26 + 1 });
    expect(big.status).toBe(429);
    expect(((await big.json()) as { error: { message: string } }).error.message).toMatch(
      /Token budget of API key .* for this day is used up \(50 of 200 tokens, this request needs up to 151\); it renews at \d{4}-/,
    );
    expect((await chat(gw, "sk-a", { max_tokens: 200 - 5 * USED - 26 })).status).toBe(200);
    // Larger than the whole limit: says so instead of "try later".
    const huge = await chat(gw, "sk-a", { max_tokens: 1000 });
    expect(huge.status).toBe(429);
    expect(huge.headers.get("retry-after")).toBeNull();
    expect(((await huge.json()) as { error: { message: string } }).error.message).toMatch(/Request too large/);
  });

  it("applies team limits across the team's keys and model limits across everyone", async () => {
    await awayFromMinuteEnd();
    const gw = await gateway(upstream, newRun(), {
      teams: { research: { requests_per_minute: 3 } },
      key_teams: { a: "research", b: "research" },
      models: { "tiny-big": { tokens_per_minute: 3 * 29 } },
    });
    expect((await chat(gw, "sk-a")).status).toBe(200);
    expect((await chat(gw, "sk-b")).status).toBe(200);
    expect((await chat(gw, "sk-a")).status).toBe(200);
    const refused = await chat(gw, "sk-b");
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/team 'research'/);
    expect((await chat(gw, "sk-c")).status).toBe(200); // not in the team
    // Per-model tokens per minute (87): each request reserves 29, then costs its real 10, so 6 fit
    // where reservations alone would allow 3; the 7th would need 60 + 29 > 87.
    const statuses: number[] = [];
    // Versions and aliases of the model share its counter.
    for (let i = 0; i < 8; i++) {
      statuses.push((await chat(gw, "sk-c", { model: i % 2 ? "tiny-big@production" : "tiny-big" })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);
    const state = await limitsOf(gw, "sk-admin", "?model=tiny-big");
    expect(state.body.data).toEqual([
      expect.objectContaining({ scope: "model", id: "tiny-big", measure: "tokens_per_minute", used: 6 * USED }),
    ]);
  });

  it("shows other keys' limits only to roles that may read the request log", async () => {
    await awayFromMinuteEnd();
    const run = newRun();
    const gw = await gateway(upstream, run, { keys: { "*": { requests_per_minute: 10 } } });
    await chat(gw, "sk-a");
    const own = await limitsOf(gw, "sk-a");
    expect(own.body.data[0]).toMatchObject({ scope: "key", id: `${run}-a`, used: 1, remaining: 9 });
    expect((await limitsOf(gw, "sk-b", `?key_id=${run}-a`)).status).toBe(403);
    const asAdmin = await limitsOf(gw, "sk-admin", `?key_id=${run}-a`);
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body.data[0]).toMatchObject({ id: `${run}-a`, used: 1 });
    expect((await fetch(`${gw.url}/api/v1/limits`)).status).toBe(401);
  });
});

describe("limits in Redis shared by several gateways", () => {
  const redisUrl = testRedisUrl();
  if (redisUrl === undefined) requiredInCi("redis");

  it.skipIf(redisUrl === undefined)("keeps one counter for all of them", async () => {
    await awayFromMinuteEnd();
    const run = newRun();
    const limits = { keys: { "*": { requests_per_minute: 20 } } };
    const gws = await Promise.all([0, 1, 2].map(() => gateway(upstream, run, limits, redisUrl)));
    const statuses = await Promise.all(Array.from({ length: 45 }, (_, i) => chat(gws[i % 3]!, "sk-a").then(statusOf)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    const state = await limitsOf(gws[1]!, "sk-a");
    expect(state.body).toMatchObject({ store: "redis" });
    expect(state.body.data[0]).toMatchObject({ used: 20, remaining: 0 });
  });
});

describe("limits when Redis is down", () => {
  it("answers 503 quickly instead of letting requests through unlimited", async () => {
    const gw = await gateway(upstream, newRun(), { keys: { "*": { requests_per_minute: 5 } } }, "redis://127.0.0.1:1");
    const started = Date.now();
    const response = await chat(gw, "sk-a");
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(
      /Redis \(redis_url \/ LLMOPS_REDIS_URL\) cannot be reached, so rate limits cannot be checked/,
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
