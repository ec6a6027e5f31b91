// Resilience of the gateway against real HTTP upstreams that fail on purpose: retries with backoff
// before the first byte (never after it), circuit breaking with active health checks that eject and
// re-admit, fallback chains across models and upstreams with the served-by headers, per-request
// timeouts, and per-model routing strategies.
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
import { afterAll, describe, expect, it } from "vitest";
import { LlmopsError, notFound } from "../src/errors.js";
import { createGateway, type GatewayDeps, type GatewayOptions, type ResolvedModel } from "../src/gateway/index.js";
import type { NewRequest } from "../src/store/schema.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A controllable OpenAI-ish upstream: `mode` decides how the next requests are answered. */
interface Fixture {
  name: string;
  baseUrl: string;
  port: number;
  hits: number;
  healthHits: number;
  mode: "ok" | "503" | "slow" | "reset" | "stream-break" | "down";
  delayMs: number;
  close(): Promise<void>;
  restart(): Promise<void>;
}

async function fixture(name: string): Promise<Fixture> {
  const sockets = new Set<import("node:net").Socket>();
  const handler: http.RequestListener = (request, response) => {
    if (request.method === "GET") {
      state.healthHits++;
      if (state.mode === "503") {
        response.writeHead(503, { "content-type": "application/json" }).end('{"error":{"message":"busy"}}');
        return;
      }
      response.writeHead(200, { "content-type": "application/json" }).end('{"object":"list","data":[]}');
      return;
    }
    let body = "";
    request.on("data", (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on("end", async () => {
      state.hits++;
      const json = JSON.parse(body) as { model: string; stream?: boolean };
      if (state.mode === "reset") {
        request.socket.destroy();
        return;
      }
      if (state.mode === "503") {
        response
          .writeHead(503, { "content-type": "application/json" })
          .end(JSON.stringify({ error: { message: `${name} overloaded`, type: "server_error", code: "overloaded" } }));
        return;
      }
      if (state.mode === "slow") await sleep(state.delayMs);
      if (json.stream) {
        response.writeHead(200, { "content-type": "text/event-stream" });
        response.write(
          `data: ${JSON.stringify({ model: json.model, choices: [{ index: 0, delta: { content: name } }] })}\n\n`,
        );
        if (state.mode === "stream-break") {
          await sleep(20);
          request.socket.destroy();
          return;
        }
        response.end("data: [DONE]\n\n");
        return;
      }
      response.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          id: "x",
          object: "chat.completion",
          model: json.model,
          choices: [{ index: 0, message: { role: "assistant", content: `served by ${name}` }, finish_reason: "stop" }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }),
      );
    });
  };
  let server = http.createServer(handler);
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as AddressInfo).port;
  const state: Fixture = {
    name,
    port,
    baseUrl: `http://127.0.0.1:${port}/v1`,
    hits: 0,
    healthHits: 0,
    mode: "ok",
    delayMs: 0,
    async close() {
      state.mode = "down";
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, "close").catch(() => undefined);
    },
    async restart() {
      server = http.createServer(handler);
      server.on("connection", (socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
      });
      server.listen(port, "127.0.0.1");
      await once(server, "listening");
      state.mode = "ok";
    },
  };
  return state;
}

const up = (f: Fixture, model = "m") => ({ id: f.name, baseUrl: f.baseUrl, model });

function deps(models: Map<string, ResolvedModel>, rows: NewRequest[]): GatewayDeps {
  return {
    async authenticate(key) {
      if (key !== "sk") throw new LlmopsError("unauthorized", "bad key");
      return { keyId: "k", name: "dev", role: "developer" };
    },
    async resolveModel(model) {
      const resolved = models.get(model);
      if (resolved === undefined) throw notFound(`model '${model}' does not exist`, "model");
      return resolved;
    },
    async listModels() {
      return [];
    },
    recordRequest(row) {
      rows.push(row);
    },
  };
}

const apps: Array<{ close(): Promise<unknown> }> = [];
const fixtures: Fixture[] = [];
afterAll(async () => {
  for (const app of apps) await app.close();
  for (const f of fixtures) await f.close();
});

async function gateway(models: Record<string, ResolvedModel>, options: Omit<GatewayOptions, "deps"> = {}) {
  const rows: NewRequest[] = [];
  const registry = new Registry();
  const app = createGateway({
    deps: deps(new Map(Object.entries(models)), rows),
    metricsRegistry: registry,
    ...options,
  });
  apps.push(app);
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  const post = (model: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer sk", "content-type": "application/json", ...headers },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], ...extra }),
    });
  const metric = async (series: string) => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const line = text.split("\n").find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };
  return { url, rows, post, metric };
}

async function fixtures3(...names: string[]): Promise<Fixture[]> {
  const made = await Promise.all(names.map((name) => fixture(name)));
  fixtures.push(...made);
  return made;
}

describe("gateway resilience", () => {
  it("retries 503s on another upstream, then on the same with backoff, and passes the last 503 on", async () => {
    const [a, b] = await fixtures3("r-a", "r-b");
    const gw = await gateway(
      { m: { requested: "m", resolved: "m@1", upstreams: [up(a!), up(b!)] } },
      {
        routing: "round-robin",
        traffic: { activeChecks: { intervalMs: 0 }, retries: { max: 2, baseMs: 40, maxMs: 40 } },
      },
    );
    a!.mode = "503";
    for (let i = 0; i < 4; i++) {
      const response = await gw.post("m");
      expect(response.status).toBe(200);
      expect(response.headers.get("x-llmops-upstream")).toBe("r-b");
      expect(response.headers.get("x-llmops-served-by")).toBe("m@1");
    }
    expect(await gw.metric('llmops_gateway_retries_total{model="m"}')).toBeGreaterThanOrEqual(1);

    b!.mode = "503";
    const hitsBefore = a!.hits + b!.hits;
    const started = performance.now();
    const response = await gw.post("m");
    const elapsed = performance.now() - started;
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("overloaded");
    // Every upstream once, then at most `max` retries of failed ones after a backoff.
    const attempts = a!.hits + b!.hits - hitsBefore;
    expect(attempts).toBeGreaterThanOrEqual(1);
    expect(attempts).toBeLessThanOrEqual(4);
    expect(elapsed).toBeLessThan(2000);
  });

  it("never retries a stream after its first byte", async () => {
    const [a, b] = await fixtures3("s-a", "s-b");
    const gw = await gateway(
      { m: { requested: "m", resolved: "m@1", upstreams: [up(a!), up(b!)] } },
      { routing: "round-robin", traffic: { activeChecks: { intervalMs: 0 } } },
    );
    a!.mode = "stream-break";
    b!.mode = "stream-break";
    const before = a!.hits + b!.hits;
    const response = await gw.post("m", { stream: true });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain("failed mid-response");
    expect(a!.hits + b!.hits - before).toBe(1); // one attempt only
  });

  it("ejects a dead upstream within 2 s by active checks, and re-admits it after it restarts", async () => {
    const [a, b] = await fixtures3("h-a", "h-b");
    const gw = await gateway(
      { m: { requested: "m", resolved: "m@1", upstreams: [up(a!), up(b!)] } },
      {
        routing: "round-robin",
        traffic: { activeChecks: { intervalMs: 200, timeoutMs: 500 }, circuit: { openMs: 60_000 } },
      },
    );
    expect((await gw.post("m")).status).toBe(200); // the checker learns the upstreams from this resolution
    await a!.close();
    // No client request touches `a`: the active check alone must eject it.
    const deadline = Date.now() + 2000;
    let state: number | undefined;
    while (Date.now() < deadline) {
      state = await gw.metric('llmops_gateway_upstream_circuit_state{upstream="h-a"}');
      if (state === 2) break;
      await sleep(50);
    }
    expect(state).toBe(2); // open
    const served = new Set<string | null>();
    for (let i = 0; i < 6; i++) served.add((await gw.post("m")).headers.get("x-llmops-upstream"));
    expect([...served]).toEqual(["h-b"]);

    await a!.restart();
    const readmitBy = Date.now() + 2000;
    while (Date.now() < readmitBy && (await gw.metric('llmops_gateway_upstream_circuit_state{upstream="h-a"}')) !== 0) {
      await sleep(50);
    }
    expect(await gw.metric('llmops_gateway_upstream_circuit_state{upstream="h-a"}')).toBe(0);
    const after = new Set<string | null>();
    for (let i = 0; i < 4; i++) after.add((await gw.post("m")).headers.get("x-llmops-upstream"));
    expect(after).toEqual(new Set(["h-a", "h-b"]));
  });

  it("walks a fallback chain: model A → model B → a remote upstream, and says which served", async () => {
    const [dead, alsoDead, remote] = await fixtures3("f-local", "f-local2", "f-remote");
    await dead!.close();
    await alsoDead!.close();
    const gw = await gateway(
      {
        a: { requested: "a", resolved: "a@1", upstreams: [up(dead!, "a")], fallbacks: ["missing", "b", "remote"] },
        b: { requested: "b", resolved: "b@2", upstreams: [up(alsoDead!, "b")] },
        remote: { requested: "remote", resolved: "upstream:f-remote/gpt", upstreams: [up(remote!, "gpt")] },
      },
      { traffic: { activeChecks: { intervalMs: 0 } } },
    );
    const response = await gw.post("a");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-llmops-served-by")).toBe("upstream:f-remote/gpt");
    expect(response.headers.get("x-llmops-fallback")).toBe("remote");
    const body = (await response.json()) as { model: string; choices: Array<{ message: { content: string } }> };
    expect(body.model).toBe("a"); // the client still sees the name it asked for
    expect(body.choices[0]!.message.content).toBe("served by f-remote");
    expect(gw.rows.at(-1)).toMatchObject({ model: "a", model_version: "upstream:f-remote/gpt", upstream: "f-remote" });
    expect(await gw.metric('llmops_gateway_fallbacks_total{from="a",to="remote"}')).toBe(1);
  });

  it("applies x-llmops-timeout-ms (bounded) and answers 504 when it runs out", async () => {
    const [slow] = await fixtures3("t-slow");
    const gw = await gateway(
      { m: { requested: "m", resolved: "m@1", upstreams: [up(slow!)] } },
      { traffic: { activeChecks: { intervalMs: 0 }, maxTimeoutMs: 5000 } },
    );
    slow!.mode = "slow";
    slow!.delayMs = 1500;
    const started = performance.now();
    const late = await gw.post("m", {}, { "x-llmops-timeout-ms": "150" });
    expect(late.status).toBe(504);
    expect(performance.now() - started).toBeLessThan(1200); // cut long before the 1.5 s answer
    expect(((await late.json()) as { error: { message: string } }).error.message).toContain("within 150 ms");
    expect((await gw.post("m", {}, { "x-llmops-timeout-ms": "3000" })).status).toBe(200);
    for (const bad of ["0", "abc", "5001", "1.5"]) {
      const response = await gw.post("m", {}, { "x-llmops-timeout-ms": bad });
      expect(response.status, bad).toBe(400);
      expect(((await response.json()) as { error: { message: string } }).error.message).toContain(
        "x-llmops-timeout-ms",
      );
    }
  });

  it("uses the strategy a model asks for (weighted by upstream weight)", async () => {
    const [a, b] = await fixtures3("w-a", "w-b");
    const gw = await gateway(
      {
        m: {
          requested: "m",
          resolved: "m@1",
          strategy: "weighted",
          upstreams: [
            { ...up(a!), weight: 3 },
            { ...up(b!), weight: 1 },
          ],
        },
      },
      { traffic: { activeChecks: { intervalMs: 0 } } },
    );
    const served: string[] = [];
    for (let i = 0; i < 8; i++) served.push((await gw.post("m")).headers.get("x-llmops-upstream")!);
    expect(served.filter((s) => s === "w-a")).toHaveLength(6);
    expect(served.filter((s) => s === "w-b")).toHaveLength(2);
  });
});
