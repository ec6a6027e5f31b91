// Integration tests of the gateway: real HTTP all the way. Small Fastify apps stand in for model
// workers (they answer like an OpenAI server, JSON and SSE with usage); the gateway runs with
// in-memory deps; clients are the official openai SDK and raw fetch.
import { once } from "node:events";
import net from "node:net";
import Fastify, { type FastifyInstance } from "fastify";
import OpenAI from "openai";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlmopsError, notFound } from "../src/errors.js";
import {
  createGateway,
  type GatewayDeps,
  type GatewayOptions,
  type Principal,
  type ResolvedModel,
} from "../src/gateway/index.js";
import type { NewRequest } from "../src/store/schema.js";

const PROMPT_TOKENS = 7;
const COMPLETION_TOKENS = 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Fixture upstream: answers like an OpenAI-compatible worker. The last message (or prompt) steers it:
// "delay:N" waits N ms (between chunks when streaming), "fail:400" answers an OpenAI error,
// "html" answers a non-JSON 500 as a misconfigured proxy would.

interface FixtureUpstream {
  name: string;
  baseUrl: string;
  /** Model names this upstream received in request bodies. */
  receivedModels: string[];
  hits: number;
  /** Streams the client (the gateway) hung up on before they finished. */
  aborted: number;
  close(): Promise<void>;
}

function instruction(body: Record<string, unknown>): string {
  const messages = body.messages;
  if (Array.isArray(messages)) {
    const last = messages[messages.length - 1] as { content?: unknown } | undefined;
    return typeof last?.content === "string" ? last.content : "";
  }
  return typeof body.prompt === "string" ? body.prompt : typeof body.input === "string" ? body.input : "";
}

async function startUpstream(name: string): Promise<FixtureUpstream> {
  const app = Fastify();
  const state: FixtureUpstream = {
    name,
    baseUrl: "",
    receivedModels: [],
    hits: 0,
    aborted: 0,
    close: () => app.close(),
  };
  const usage = { prompt_tokens: PROMPT_TOKENS, completion_tokens: COMPLETION_TOKENS, total_tokens: 10 };

  const answer = async (
    kind: "chat" | "text" | "embedding",
    body: Record<string, unknown>,
    reply: import("fastify").FastifyReply,
  ) => {
    state.hits++;
    const model = String(body.model);
    state.receivedModels.push(model);
    const text = instruction(body);
    const delay = Number(/delay:(\d+)/.exec(text)?.[1] ?? 0);
    if (text.includes("fail:400")) {
      return reply.code(400).send({
        error: {
          message: `upstream ${name} rejects this prompt`,
          type: "invalid_request_error",
          param: "messages",
          code: "bad_prompt",
        },
      });
    }
    if (text.includes("html")) {
      return reply
        .code(500)
        .header("content-type", "text/html")
        .send("<html><body>Internal Server Error</body></html>");
    }
    const content = `served by ${name}`;
    if (body.stream === true) {
      reply.hijack();
      const raw = reply.raw;
      let finished = false;
      raw.on("close", () => {
        if (!finished) state.aborted++;
      });
      raw.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      const chunk = (delta: Record<string, unknown>, finish: string | null) =>
        `data: ${JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      raw.write(chunk({ role: "assistant", content: "" }, null));
      if (text.includes("break")) {
        // A worker that dies mid-stream: half an event, then the connection drops.
        await sleep(20);
        raw.write('data: {"id":"chatcmpl-1","obj');
        await sleep(20);
        raw.destroy();
        return;
      }
      for (const piece of ["served", " by", ` ${name}`]) {
        if (delay > 0) await sleep(delay);
        if (raw.destroyed) return;
        raw.write(chunk({ content: piece }, null));
      }
      raw.write(chunk({}, "stop"));
      const options = body.stream_options as { include_usage?: boolean } | undefined;
      if (options?.include_usage) {
        raw.write(
          `data: ${JSON.stringify({ id: "chatcmpl-1", object: "chat.completion.chunk", created: 1, model, choices: [], usage })}\n\n`,
        );
      }
      finished = true;
      raw.end("data: [DONE]\n\n");
      return;
    }
    if (delay > 0) await sleep(delay);
    if (kind === "chat") {
      return {
        id: "chatcmpl-1",
        object: "chat.completion",
        created: 1,
        model,
        choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
        usage,
      };
    }
    if (kind === "text") {
      return {
        id: "cmpl-1",
        object: "text_completion",
        created: 1,
        model,
        choices: [{ index: 0, text: content, finish_reason: "stop" }],
        usage,
      };
    }
    return {
      object: "list",
      model,
      data: [{ object: "embedding", index: 0, embedding: [0.25, -0.5, 1] }],
      usage: { prompt_tokens: PROMPT_TOKENS, total_tokens: PROMPT_TOKENS },
    };
  };
  app.post("/v1/chat/completions", (request, reply) => answer("chat", request.body as Record<string, unknown>, reply));
  app.post("/v1/completions", (request, reply) => answer("text", request.body as Record<string, unknown>, reply));
  app.post("/v1/embeddings", (request, reply) => answer("embedding", request.body as Record<string, unknown>, reply));
  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  state.baseUrl = `${address}/v1`;
  return state;
}

/** A port nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, "close");
  return port;
}

/** Accepts connections and drops each one as soon as a request arrives (a crashing worker). */
async function startResetter(): Promise<{ port: number; requests: number; close(): Promise<void> }> {
  const state = { port: 0, requests: 0, close: async () => {} };
  const server = net.createServer((socket) => {
    socket.on("data", () => {
      state.requests++;
      socket.destroy();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  state.port = (server.address() as net.AddressInfo).port;
  state.close = async () => {
    server.close();
  };
  return state;
}

// ---------------------------------------------------------------------------------------------
// In-memory deps, as the lead's registry/keys would provide them.

const principals: Record<string, Principal> = {
  "sk-admin": { keyId: "key-admin", name: "ops", role: "admin" },
  "sk-dev": { keyId: "key-dev", name: "alice", role: "developer" },
  "sk-viewer": { keyId: "key-viewer", name: "auditor", role: "viewer" },
  "sk-service": { keyId: "key-service", name: "batch", role: "service" },
};

interface TestDeps extends GatewayDeps {
  rows: NewRequest[];
  models: Map<string, ResolvedModel>;
}

function memoryDeps(): TestDeps {
  const rows: NewRequest[] = [];
  const models = new Map<string, ResolvedModel>();
  return {
    rows,
    models,
    async authenticate(key) {
      const principal = principals[key];
      if (principal === undefined)
        throw new LlmopsError("unauthorized", "invalid API key; create one with `llmops keys create`");
      return principal;
    },
    async resolveModel(model) {
      const resolved = models.get(model);
      if (resolved === undefined)
        throw notFound(`model '${model}' does not exist; list the models with GET /v1/models`, "model");
      return resolved;
    },
    async listModels() {
      return [...models.keys()].map((id) => ({ id, created: 1_700_000_000, owned_by: "llmops" }));
    },
    recordRequest(row) {
      rows.push(row);
    },
  };
}

interface RunningGateway {
  url: string;
  deps: TestDeps;
  registry: Registry;
  app: FastifyInstance;
  sdk(key?: string): OpenAI;
}

async function startGateway(
  models: Record<string, ResolvedModel>,
  options: Omit<GatewayOptions, "deps" | "metricsRegistry"> = {},
): Promise<RunningGateway> {
  const deps = memoryDeps();
  for (const [name, resolved] of Object.entries(models)) deps.models.set(name, resolved);
  const registry = new Registry();
  const app = createGateway({ deps, metricsRegistry: registry, ...options });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return {
    url,
    deps,
    registry,
    app,
    sdk: (key = "sk-dev") => new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries: 0, timeout: 10_000 }),
  };
}

const servedBy = (completion: OpenAI.Chat.Completions.ChatCompletion) =>
  /served by (\w+)/.exec(completion.choices[0]?.message.content ?? "")?.[1];

const chat = (content: string) => [{ role: "user" as const, content }];

// ---------------------------------------------------------------------------------------------

describe("gateway", () => {
  let a: FixtureUpstream;
  let b: FixtureUpstream;
  let dead1: number;
  let dead2: number;
  let resetter: Awaited<ReturnType<typeof startResetter>>;
  let models: Record<string, ResolvedModel>;
  const gateways: RunningGateway[] = [];
  let gw: RunningGateway;

  const start = async (options: Omit<GatewayOptions, "deps" | "metricsRegistry"> = {}) => {
    const gateway = await startGateway(models, options);
    gateways.push(gateway);
    return gateway;
  };

  beforeAll(async () => {
    [a, b] = await Promise.all([startUpstream("a"), startUpstream("b")]);
    [dead1, dead2] = await Promise.all([deadPort(), deadPort()]);
    resetter = await startResetter();
    const resetting = { id: "resetter", baseUrl: `http://127.0.0.1:${resetter.port}/v1`, model: "tiny-q8" };
    const up = (fixture: FixtureUpstream) => ({ id: fixture.name, baseUrl: fixture.baseUrl, model: "tiny-q8" });
    const down = (port: number) => ({ id: `dead-${port}`, baseUrl: `http://127.0.0.1:${port}/v1`, model: "tiny-q8" });
    models = {
      tiny: { requested: "tiny", resolved: "tiny@3", upstreams: [up(a), up(b)] },
      solo: { requested: "solo", resolved: "solo@1", upstreams: [{ ...up(a), model: "solo" }] },
      half: { requested: "half", resolved: "half@1", upstreams: [down(dead1), up(b)] },
      gone: { requested: "gone", resolved: "gone@1", upstreams: [down(dead1), down(dead2)] },
      flaky: { requested: "flaky", resolved: "flaky@1", upstreams: [resetting, up(b)] },
      broken: { requested: "broken", resolved: "broken@1", upstreams: [resetting] },
    };
    gw = await start();
  });

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.app.close()));
    await Promise.all([a.close(), b.close(), resetter.close()]);
  });

  it("lists models for any valid key, including viewers", async () => {
    const page = await gw.sdk("sk-viewer").models.list();
    expect(page.data.map((model) => model.id).sort()).toEqual(["broken", "flaky", "gone", "half", "solo", "tiny"]);
    expect(page.data[0]).toMatchObject({ object: "model", owned_by: "llmops", created: 1_700_000_000 });
    const one = await gw.sdk("sk-viewer").models.retrieve("tiny");
    expect(one.id).toBe("tiny");
    await expect(gw.sdk().models.retrieve("nope")).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("proxies chat, rewrites the model both ways and records the request without the prompt", async () => {
    const before = a.receivedModels.length + b.receivedModels.length;
    const completion = await gw.sdk().chat.completions.create({ model: "tiny", messages: chat("secret prompt 42") });
    expect(completion.model).toBe("tiny");
    expect(["a", "b"]).toContain(servedBy(completion));
    expect(completion.usage).toMatchObject({ prompt_tokens: PROMPT_TOKENS, completion_tokens: COMPLETION_TOKENS });
    const received = [...a.receivedModels, ...b.receivedModels];
    expect(received.length).toBe(before + 1);
    expect(received).not.toContain("tiny"); // the upstream only ever sees its own model name
    expect(received).toContain("tiny-q8");

    const row = gw.deps.rows.at(-1)!;
    expect(row).toMatchObject({
      key_id: "key-dev",
      route: "/v1/chat/completions",
      model: "tiny",
      model_version: "tiny@3",
      upstream: servedBy(completion),
      status: 200,
      error_code: null,
      prompt_tokens: PROMPT_TOKENS,
      completion_tokens: COMPLETION_TOKENS,
      stream: 0,
      ttft_ms: null,
    });
    expect(row.latency_ms).toBeGreaterThan(0);
    expect(row.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(JSON.stringify(row)).not.toContain("secret prompt");
  });

  it("proxies completions and embeddings", async () => {
    const sdk = gw.sdk("sk-service");
    const text = await sdk.completions.create({ model: "tiny", prompt: "Once" });
    expect(text.model).toBe("tiny");
    expect(text.choices[0]?.text).toMatch(/served by [ab]/);
    const embedding = await sdk.embeddings.create({ model: "tiny", input: "hello", encoding_format: "float" });
    expect(embedding.model).toBe("tiny");
    expect(embedding.data[0]?.embedding).toEqual([0.25, -0.5, 1]);
    expect(gw.deps.rows.at(-1)).toMatchObject({
      route: "/v1/embeddings",
      prompt_tokens: PROMPT_TOKENS,
      completion_tokens: null,
    });
  });

  it("streams chunks as they are produced, with the model rewritten and usage counted", async () => {
    const started = performance.now();
    const stream = await gw.sdk().chat.completions.create({
      model: "tiny",
      messages: chat("delay:250"),
      stream: true,
      stream_options: { include_usage: true },
    });
    const arrivals: number[] = [];
    const pieces: string[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      arrivals.push(performance.now() - started);
      expect(chunk.model).toBe("tiny");
      pieces.push(chunk.choices[0]?.delta.content ?? "");
      if (chunk.usage) usage = chunk.usage;
    }
    const total = performance.now() - started;
    expect(pieces.join("")).toMatch(/^served by [ab]$/);
    expect(usage).toMatchObject({ prompt_tokens: PROMPT_TOKENS, completion_tokens: COMPLETION_TOKENS });
    // The upstream sleeps 250 ms before each of its 3 pieces: ≥ 750 ms in all. The first chunk must
    // reach the client long before that, i.e. nothing was buffered.
    expect(total).toBeGreaterThanOrEqual(700);
    expect(arrivals[0]!).toBeLessThan(total - 500);

    await sleep(20); // the row is written when the relay ends, just after the client saw [DONE]
    const row = gw.deps.rows.at(-1)!;
    expect(row).toMatchObject({
      stream: 1,
      status: 200,
      prompt_tokens: PROMPT_TOKENS,
      completion_tokens: COMPLETION_TOKENS,
    });
    expect(row.ttft_ms).toBeGreaterThan(0);
    expect(row.ttft_ms!).toBeLessThan(row.latency_ms - 500);
  });

  it("aborts the upstream stream when the client disconnects", async () => {
    const abortedBefore = a.aborted + b.aborted;
    const controller = new AbortController();
    const stream = await gw
      .sdk()
      .chat.completions.create(
        { model: "tiny", messages: chat("delay:300"), stream: true },
        { signal: controller.signal },
      );
    for await (const _chunk of stream) {
      controller.abort();
      break;
    }
    for (let i = 0; i < 50 && a.aborted + b.aborted === abortedBefore; i++) await sleep(20);
    expect(a.aborted + b.aborted).toBe(abortedBefore + 1);
    await sleep(20);
    expect(gw.deps.rows.at(-1)).toMatchObject({ status: 499, error_code: "client_closed", stream: 1 });
  });

  it("reports an upstream that dies mid-stream as an error event the SDK raises", async () => {
    const stream = await gw.sdk().chat.completions.create({ model: "solo", messages: chat("break"), stream: true });
    const seen: string[] = [];
    const failure = await (async () => {
      for await (const chunk of stream) seen.push(chunk.choices[0]?.delta.role ?? "");
    })().catch((e: unknown) => e);
    expect(seen).toEqual(["assistant"]); // the first event arrived intact, the half one was dropped
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as Error).message).toContain("failed mid-response");
    await sleep(20);
    expect(gw.deps.rows.at(-1)).toMatchObject({ stream: 1, status: 200, error_code: "unavailable", upstream: "a" });
  });

  it("round-robin alternates between upstreams", async () => {
    const rr = await start({ routing: "round-robin" });
    const served: string[] = [];
    for (let i = 0; i < 6; i++) {
      served.push(servedBy(await rr.sdk().chat.completions.create({ model: "tiny", messages: chat("hi") }))!);
    }
    expect(served.filter((name) => name === "a")).toHaveLength(3);
    expect(served.filter((name) => name === "b")).toHaveLength(3);
    for (let i = 1; i < served.length; i++) expect(served[i]).not.toBe(served[i - 1]);
  });

  it("least-in-flight sends new requests to the idle upstream and spreads concurrent ones", async () => {
    const slow = gw.sdk().chat.completions.create({ model: "tiny", messages: chat("delay:1200") });
    await sleep(150); // the slow request is now in flight on one upstream
    const quick: string[] = [];
    for (let i = 0; i < 4; i++) {
      quick.push(servedBy(await gw.sdk().chat.completions.create({ model: "tiny", messages: chat("hi") }))!);
    }
    const busy = servedBy(await slow)!;
    expect(quick).toEqual(Array(4).fill(busy === "a" ? "b" : "a"));

    const concurrent = await Promise.all(
      Array.from({ length: 8 }, () => gw.sdk().chat.completions.create({ model: "tiny", messages: chat("delay:200") })),
    );
    const onA = concurrent.filter((completion) => servedBy(completion) === "a").length;
    expect(onA).toBe(4);
  });

  it("fails over when an upstream is down, and answers 503 when all are", async () => {
    const failover = await start({ routing: "round-robin" });
    for (let i = 0; i < 4; i++) {
      const completion = await failover.sdk().chat.completions.create({ model: "half", messages: chat("hi") });
      expect(servedBy(completion)).toBe("b");
      expect(completion.model).toBe("half");
    }
    expect(failover.deps.rows.every((row) => row.upstream === "b" && row.status === 200)).toBe(true);

    const error = await failover
      .sdk()
      .chat.completions.create({ model: "gone", messages: chat("hi") })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.status).toBe(503);
    expect(apiError.code).toBe("unavailable");
    expect(apiError.message).toContain("no worker for model gone is reachable");
    expect(failover.deps.rows.at(-1)).toMatchObject({ status: 503, error_code: "unavailable", model: "gone" });
  });

  it("retries a connection reset once, then fails over or answers 503", async () => {
    const flaky = await start({ routing: "round-robin" });
    for (let i = 0; i < 3; i++) {
      const completion = await flaky.sdk().chat.completions.create({ model: "flaky", messages: chat("hi") });
      expect(servedBy(completion)).toBe("b");
    }
    const before = resetter.requests;
    const error = await flaky
      .sdk()
      .chat.completions.create({ model: "broken", messages: chat("hi") })
      .catch((e: unknown) => e);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect(resetter.requests - before).toBe(2); // the one upstream, tried twice
  });

  it("rejects missing and unknown keys with 401, viewers on inference with 403", async () => {
    const noKey = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "tiny", messages: chat("hi") }),
    });
    expect(noKey.status).toBe(401);
    expect(await noKey.json()).toEqual({
      error: {
        message: expect.stringContaining("missing API key"),
        type: "authentication_error",
        param: null,
        code: "unauthorized",
      },
    });
    await expect(
      gw.sdk("sk-wrong").chat.completions.create({ model: "tiny", messages: chat("hi") }),
    ).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(gw.sdk("sk-wrong").models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);

    const viewer = await gw
      .sdk("sk-viewer")
      .chat.completions.create({ model: "tiny", messages: chat("hi") })
      .catch((e: unknown) => e);
    expect(viewer).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((viewer as Error).message).toContain("admin, developer, service");

    for (const header of ["x-api-key", "api-key"]) {
      const alternative = await fetch(`${gw.url}/v1/models`, { headers: { [header]: "sk-viewer" } });
      expect(alternative.status).toBe(200);
    }
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
  });

  it("answers 404 for unknown models and routes, in OpenAI's shape", async () => {
    await expect(gw.sdk().chat.completions.create({ model: "nope", messages: chat("hi") })).rejects.toBeInstanceOf(
      OpenAI.NotFoundError,
    );
    const route = await fetch(`${gw.url}/v1/chat/completion`, {
      method: "POST",
      headers: { authorization: "Bearer sk-dev" },
    });
    expect(route.status).toBe(404);
    const body = (await route.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe("not_found_error");
    expect(body.error.message).toContain("POST /v1/chat/completions");
  });

  it("rejects bad bodies with 400/413, never 500", async () => {
    const post = (body: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
      fetch(`${gw.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: "Bearer sk-dev", ...headers },
        body,
      });
    const cases: Array<[string, number, string | null]> = [
      ['{"model": "tiny", "messages": [', 400, null],
      ["", 400, null],
      ["[1,2]", 400, null],
      ['"tiny"', 400, null],
      ['{"messages":[{"role":"user","content":"hi"}]}', 400, "model"],
      ['{"model":"","messages":[{"role":"user","content":"hi"}]}', 400, "model"],
      ['{"model":"tiny","messages":[]}', 400, "messages"],
      ['{"model":"tiny","messages":[{"role":"user","content":"hi"}],"stream":"yes"}', 400, "stream"],
    ];
    for (const [body, status, param] of cases) {
      const response = await post(body);
      expect(response.status, body).toBe(status);
      const json = (await response.json()) as { error: { type: string; param: string | null } };
      expect(json.error.type, body).toBe("invalid_request_error");
      expect(json.error.param, body).toBe(param);
    }
    // Form-encoded content type (curl -d) is still read as JSON.
    const curl = await post(JSON.stringify({ model: "tiny", messages: chat("hi") }), {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(curl.status).toBe(200);

    const small = await start({ bodyLimitBytes: 1024 });
    const huge = await fetch(`${small.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer sk-dev", "content-type": "application/json" },
      body: JSON.stringify({ model: "tiny", messages: chat("x".repeat(4096)) }),
    });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
  });

  it("passes upstream JSON errors through and wraps non-JSON ones as 502", async () => {
    const rejected = await gw
      .sdk()
      .chat.completions.create({ model: "solo", messages: chat("fail:400") })
      .catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(OpenAI.BadRequestError);
    expect((rejected as InstanceType<typeof OpenAI.APIError>).code).toBe("bad_prompt");
    expect((rejected as Error).message).toContain("upstream a rejects this prompt");
    expect(gw.deps.rows.at(-1)).toMatchObject({ status: 400, error_code: "bad_prompt", upstream: "a" });

    const html = await gw
      .sdk()
      .chat.completions.create({ model: "solo", messages: chat("html") })
      .catch((e: unknown) => e);
    expect(html).toBeInstanceOf(OpenAI.APIError);
    expect((html as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((html as Error).message).toContain("non-JSON body");
  });

  it("answers 504 when the upstream is too slow", async () => {
    const impatient = await start({ upstreamTimeoutMs: 200 });
    const error = await impatient
      .sdk()
      .chat.completions.create({ model: "solo", messages: chat("delay:1500") })
      .catch((e: unknown) => e);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
    expect((error as Error).message).toContain("did not answer within 200 ms");
  });

  it("exports metrics whose counts match the requests made", async () => {
    const metered = await start();
    const sdk = metered.sdk();
    for (let i = 0; i < 3; i++) await sdk.chat.completions.create({ model: "tiny", messages: chat("hi") });
    const stream = await sdk.chat.completions.create({
      model: "tiny",
      messages: chat("hi"),
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const _chunk of stream) {
      // drain
    }
    await sdk.chat.completions.create({ model: "nope", messages: chat("hi") }).catch(() => undefined);
    await sdk.models.list();
    await sleep(20);

    const response = await fetch(`${metered.url}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    const value = (series: string) => {
      const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    expect(value('llmops_gateway_requests_total{model="tiny",route="/v1/chat/completions",status="200"}')).toBe(4);
    expect(value('llmops_gateway_requests_total{model="",route="/v1/chat/completions",status="404"}')).toBe(1);
    expect(value('llmops_gateway_requests_total{model="",route="/v1/models",status="200"}')).toBe(1);
    expect(value('llmops_gateway_errors_total{model="",route="/v1/chat/completions",code="not_found"}')).toBe(1);
    expect(value('llmops_gateway_tokens_total{model="tiny",direction="in"}')).toBe(4 * PROMPT_TOKENS);
    expect(value('llmops_gateway_tokens_total{model="tiny",direction="out"}')).toBe(4 * COMPLETION_TOKENS);
    expect(value('llmops_gateway_request_duration_seconds_count{model="tiny",route="/v1/chat/completions"}')).toBe(4);
    expect(
      value('llmops_gateway_request_duration_seconds_bucket{le="0.001",model="tiny",route="/v1/chat/completions"}'),
    ).toBeDefined();
    expect(value('llmops_gateway_time_to_first_token_seconds_count{model="tiny"}')).toBe(1);
    expect(value('llmops_gateway_upstream_in_flight{upstream="a"}')).toBe(0);
    expect(value('llmops_gateway_upstream_in_flight{upstream="b"}')).toBe(0);
    // /metrics and /healthz are not counted.
    expect(text).not.toContain('route="/metrics"');
    expect(metered.deps.rows).toHaveLength(6);
  });
});
