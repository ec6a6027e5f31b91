// Gateway soak: many requests through one gateway to a cheap mock upstream, sampling the process's
// memory, to catch leaks under load (LiteLLM's most reported problem). One in ten requests streams.
//
//   npm run build && node dist/bench/gateway-soak.js [--requests=200000] [--concurrency=16] [--json]
//
// The gateway (createGateway with in-memory deps: a key check, a constant resolution over two
// upstream entries, the batched request recorder with a no-op write, metrics, active health
// checks) and the load generator share this process, so the numbers include the generator; both
// are steady-state, and a leak in either fails the check. Memory is sampled after a forced GC: the
// baseline once the warm-up (5% of the requests, at least 2 000) is done, then every 10%.
// test/gateway-fault-rss.test.ts runs the same soak with fewer requests (LLMOPS_SOAK_REQUESTS).
import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Registry } from "prom-client";
import { Pool } from "undici";
import { LlmopsError } from "../src/errors.js";
import { createBatchedRequestRecorder, createGateway } from "../src/gateway/index.js";

export interface SoakOptions {
  requests: number;
  concurrency: number;
  /** Called with a progress line every 10%. */
  log?: (line: string) => void;
}

export interface SoakResult {
  requests: number;
  failures: number;
  seconds: number;
  requestsPerSecond: number;
  baselineRssMb: number;
  finalRssMb: number;
  rssGrowth: number;
  baselineHeapMb: number;
  finalHeapMb: number;
  heapGrowth: number;
  samples: Array<{ done: number; rssMb: number; heapMb: number }>;
}

function collectGarbage(): () => void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  return () => {
    gc();
    gc();
  };
}

const ANSWER = JSON.stringify({
  id: "chatcmpl-soak",
  object: "chat.completion",
  created: 1,
  model: "soak-upstream",
  choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
});
const CHUNK = `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model: "soak-upstream", choices: [{ index: 0, delta: { content: "ok" }, finish_reason: null }] })}\n\n`;

async function startMockUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((request, response) => {
    if (request.method === "GET") {
      response.writeHead(200, { "content-type": "application/json" }).end('{"object":"list","data":[]}');
      return;
    }
    let streaming = false;
    request.on("data", (chunk: Buffer) => {
      if (!streaming && chunk.includes('"stream":true')) streaming = true;
    });
    request.on("end", () => {
      if (streaming) {
        response.writeHead(200, { "content-type": "text/event-stream" });
        response.write(CHUNK);
        response.end("data: [DONE]\n\n");
      } else {
        response.writeHead(200, { "content-type": "application/json" }).end(ANSWER);
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const log = options.log ?? (() => {});
  const gc = collectGarbage();
  const upstream = await startMockUpstream();
  const recorder = createBatchedRequestRecorder(async () => {});
  const upstreams = [
    { id: "soak-a", baseUrl: upstream.url, model: "soak-upstream" },
    { id: "soak-b", baseUrl: upstream.url, model: "soak-upstream" },
  ];
  const app = createGateway({
    deps: {
      async authenticate(key) {
        if (key !== "sk-soak") throw new LlmopsError("unauthorized", "bad key");
        return { keyId: "soak", name: "soak", role: "service" };
      },
      async resolveModel(model) {
        return { requested: model, resolved: "soak@1", upstreams };
      },
      async listModels() {
        return [];
      },
      recordRequest: (row) => recorder.record(row),
    },
    metricsRegistry: new Registry(),
  });
  const gatewayUrl = await app.listen({ host: "127.0.0.1", port: 0 });
  const pool = new Pool(gatewayUrl, { connections: options.concurrency, keepAliveTimeout: 60_000 });
  const headers = { authorization: "Bearer sk-soak", "content-type": "application/json" };
  const plain = JSON.stringify({ model: "soak", messages: [{ role: "user", content: "hello" }] });
  const streamed = JSON.stringify({ model: "soak", messages: [{ role: "user", content: "hello" }], stream: true });

  const warmup = Math.min(options.requests, Math.max(2_000, Math.round(options.requests * 0.05)));
  const total = options.requests;
  const samples: SoakResult["samples"] = [];
  let next = 0;
  let done = 0;
  let failures = 0;
  let baseline: { rss: number; heap: number } | undefined;
  let nextSample = warmup;
  const sample = () => {
    gc();
    const memory = process.memoryUsage();
    const point = { done, rssMb: memory.rss / 2 ** 20, heapMb: memory.heapUsed / 2 ** 20 };
    samples.push(point);
    log(`  ${done} requests: rss ${point.rssMb.toFixed(1)} MiB, heap ${point.heapMb.toFixed(1)} MiB`);
    return memory;
  };

  const started = performance.now();
  const worker = async () => {
    for (;;) {
      const index = next++;
      if (index >= total) return;
      try {
        const response = await pool.request({
          path: "/v1/chat/completions",
          method: "POST",
          headers,
          body: index % 10 === 9 ? streamed : plain,
        });
        await response.body.dump();
        if (response.statusCode !== 200) failures++;
      } catch {
        failures++;
      }
      done++;
      if (done >= nextSample) {
        // Pause every sender at the same point so the sample sees a quiet process.
        nextSample = Number.POSITIVE_INFINITY;
        const memory = sample();
        if (baseline === undefined) baseline = { rss: memory.rss, heap: memory.heapUsed };
        nextSample = done + Math.max(1, Math.round((total - warmup) / 10));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const final = sample();
  await pool.close();
  await app.close();
  await recorder.close();
  await upstream.close();
  const base = baseline ?? { rss: final.rss, heap: final.heapUsed };
  return {
    requests: done,
    failures,
    seconds,
    requestsPerSecond: done / seconds,
    baselineRssMb: base.rss / 2 ** 20,
    finalRssMb: final.rss / 2 ** 20,
    rssGrowth: (final.rss - base.rss) / base.rss,
    baselineHeapMb: base.heap / 2 ** 20,
    finalHeapMb: final.heapUsed / 2 ** 20,
    heapGrowth: (final.heapUsed - base.heap) / base.heap,
    samples,
  };
}

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg === undefined ? fallback : Number(arg.slice(name.length + 3));
}

// Run as a script (not when imported by the test).
if (process.argv[1]?.endsWith("gateway-soak.js")) {
  const json = process.argv.includes("--json");
  const result = await runSoak({
    requests: flag("requests", 200_000),
    concurrency: flag("concurrency", 16),
    log: json ? undefined : (line) => process.stdout.write(`${line}\n`),
  });
  if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    process.stdout.write(
      `${result.requests} requests (${result.failures} failed) in ${result.seconds.toFixed(1)} s, ${result.requestsPerSecond.toFixed(0)} req/s\n` +
        `rss ${result.baselineRssMb.toFixed(1)} → ${result.finalRssMb.toFixed(1)} MiB (${(result.rssGrowth * 100).toFixed(2)}%), ` +
        `heap ${result.baselineHeapMb.toFixed(1)} → ${result.finalHeapMb.toFixed(1)} MiB (${(result.heapGrowth * 100).toFixed(2)}%)\n`,
    );
  }
  process.exit(result.failures === 0 && result.rssGrowth < 0.1 ? 0 : 1);
}
