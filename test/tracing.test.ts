// Tracing end to end over real processes' code paths: a client request with its own `traceparent`
// goes through the gateway (`llmops gateway` wiring, tracing.otlp_endpoint set) to a real worker
// (llama.cpp, tiny model), and a real OTLP/HTTP receiver on loopback gets the spans: the gateway's
// SERVER span (child of the client's), one CLIENT span per upstream attempt, and the worker's SERVER
// span, all in the client's trace and linked parent → child.
import { mkdtempSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { writeTinyLlama } from "../src/formats/gguf/index.js";
import { startWorkerTracing } from "../src/gateway/tracing/worker.js";
import { createLogger } from "../src/platform/logger.js";
import { openPlatform, type Platform } from "../src/platform/open.js";
import { type RunningServer, startServer } from "../src/platform/server.js";
import { type RunningWorker, startWorker } from "../src/serve/worker-server.js";

interface ExportedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

const received: ExportedSpan[] = [];
let receiver: http.Server;
let endpoint: string;
let worker: RunningWorker;
let workerTracing: ReturnType<typeof startWorkerTracing>;
let platform: Platform;
let server: RunningServer;

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
const anyValue = (v: AnyValue) =>
  v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.boolValue ?? v.doubleValue));

/** The OTLP/HTTP JSON encoding (ExportTraceServiceRequest): resourceSpans → scopeSpans → spans. */
function collect(body: string): void {
  const request = JSON.parse(body) as {
    resourceSpans: Array<{
      resource: { attributes: Array<{ key: string; value: AnyValue }> };
      scopeSpans: Array<{ spans: Array<Record<string, unknown>> }>;
    }>;
  };
  for (const resourceSpans of request.resourceSpans) {
    const service = resourceSpans.resource.attributes.find((a) => a.key === "service.name")?.value.stringValue ?? "";
    for (const scope of resourceSpans.scopeSpans) {
      for (const span of scope.spans) {
        const attributes: Record<string, unknown> = {};
        for (const a of span.attributes as Array<{ key: string; value: AnyValue }>)
          attributes[a.key] = anyValue(a.value);
        received.push({
          service,
          traceId: String(span.traceId),
          spanId: String(span.spanId),
          parentSpanId: String(span.parentSpanId ?? ""),
          name: String(span.name),
          kind: Number(span.kind),
          attributes,
        });
      }
    }
  }
}

beforeAll(async () => {
  receiver = http.createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      if (request.url === "/v1/traces" && (request.headers["content-type"] ?? "").includes("json")) collect(body);
      response.writeHead(200, { "content-type": "application/json" });
      response.end("{}");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  const home = mkdtempSync(path.join(tmpdir(), "llmops-tracing-"));
  const modelPath = path.join(home, "tiny.gguf");
  await writeTinyLlama(modelPath, { type: "Q8_0", chatml: true, seed: 5 });
  workerTracing = startWorkerTracing({ otlp_endpoint: endpoint, service_name: "llmops-gateway", headers: {} }, "tiny");
  worker = await startWorker({ modelPath, modelName: "tiny", threads: 1, port: 0, tracing: workerTracing.tracing });

  const config = loadConfig({ env: { LLMOPS_HOME: home, LLMOPS_TRACING_OTLP_ENDPOINT: endpoint }, cwd: home }).config;
  config.upstreams = [{ name: "w", url: worker.url, models: ["tiny"] }];
  platform = await openPlatform(config);
  server = await startServer(platform, { host: "127.0.0.1", port: 0, logger: createLogger("silent") });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await platform?.close();
  await worker?.close();
  await workerTracing?.shutdown();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

describe("tracing over OTLP/HTTP", () => {
  it("links client → gateway → upstream attempt → worker in one trace", async () => {
    const { key } = await platform.keys.create({ name: "t", role: "service", createdBy: "test" });
    const clientTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
    const clientSpan = "00f067aa0ba902b7";
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${key}`,
        "content-type": "application/json",
        traceparent: `00-${clientTrace}-${clientSpan}-01`,
      },
      body: JSON.stringify({ model: "tiny", messages: [{ role: "user", content: "hi" }], max_tokens: 3 }),
    });
    expect(response.status).toBe(200);
    await response.json();

    // Shutting down flushes both exporters.
    await server.close();
    await workerTracing.shutdown();
    const trace = received.filter((s) => s.traceId === clientTrace);
    const gateway = trace.find((s) => s.name === "gateway POST /v1/chat/completions");
    expect(gateway, JSON.stringify(received, null, 1)).toBeDefined();
    expect(gateway).toMatchObject({
      service: "llmops-gateway",
      parentSpanId: clientSpan,
      kind: 2, // SERVER
      attributes: {
        "llmops.model": "tiny",
        "llmops.model.resolved": expect.stringContaining("w"),
        "llmops.upstream": expect.any(String),
        "http.response.status_code": 200,
        "gen_ai.usage.output_tokens": expect.any(Number),
      },
    });
    const upstream = trace.find((s) => s.parentSpanId === gateway!.spanId && s.name.startsWith("upstream POST"));
    expect(upstream).toMatchObject({ kind: 3, attributes: { "http.response.status_code": 200 } }); // CLIENT
    const workerSpan = trace.find((s) => s.parentSpanId === upstream!.spanId);
    expect(workerSpan).toMatchObject({
      service: "llmops-worker",
      name: "worker chat",
      kind: 2,
      attributes: { "llmops.model": "tiny", "http.response.status_code": 200 },
    });
  }, 60_000);
});
