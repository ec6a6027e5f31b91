// Gateway overhead: the same load sent to a mock upstream directly, through our gateway (bare, and
// with every feature on), through Portkey's open-source gateway and (where installed) nginx.
//
//   npm run build && node dist/bench/gateway-overhead.js [--duration=10] [--repeats=3] [--rate=1000]
//       [--connections=10] [--max-connections=32] [--upstream-delay-ms=0] [--nginx=PATH|off]
//       [--portkey=on|off] [--full-config=bench/gateway-full.yaml] [--phases=autocannon,paced,max]
//       [--targets=gateway,full,variant,portkey,nginx] [--node-options="--max-semi-space-size=64"]
//       [--pacer=sleep|spin] [--warmup=2] [--json]
//       [--variant-config=FILE] [--variant-node-options="..."]
//
// Targets:
//   direct   the mock upstream itself (the baseline every "added" latency is measured against);
//   gateway  createGateway with in-memory deps: the bare proxy path;
//   full     `llmops gateway` as deployed: openPlatform + startServer (SQLite metadata store) driven
//            by a config file (bench/gateway-full.yaml: rate limits and budgets, exact cache — every
//            request differs, so each is a cache miss that also stores its answer —, input and output
//            guardrails), a real API key (scrypt-verified once, then cached), the request log, the
//            hash-chained audit trail (one entry per request, batched) and Prometheus metrics. Any
//            policy stage added to the config schema is benchmarked by adding it to that file;
//   portkey  Portkey's gateway (@portkey-ai/gateway, Node build) through bench/portkey-server.ts, which
//            binds it to 127.0.0.1; it forwards with `x-portkey-provider: openai` and
//            `x-portkey-custom-host: <mock>/v1`;
//   nginx    a plain reverse proxy (one worker, keep-alive upstream), when installed;
//   variant  a second `full` gateway whose settings differ by --variant-config or
//            --variant-node-options (each defaults to full's): an A/B comparison measured in the
//            same interleaved rounds, so the machine's drifting load hits both alike, e.g.
//            `--targets=full,variant --variant-node-options="--max-semi-space-size=64 --single-threaded-gc"`.
//            On a noisy machine one run of a few rounds decides little: repeat it, and count in how
//            many rounds each side won (the summary prints it).
// Every target gets the same requests (each with a unique user message) at the same load.
//
// Three processes, so that nothing shares an event loop with what it measures: this one (the load
// generators), a mock upstream (plain node:http answering a fixed chat completion) and the gateway
// (createGateway with in-memory deps: a key lookup, a constant resolution, the batched request
// recorder with a no-op write — the real per-request work minus the database). Direct and gateway
// runs alternate (the order rotates every repeat) and repeat; the summary gives medians over repeats.
// Where nginx is installed it runs as a third target — a plain reverse proxy with one worker and
// keep-alive to the upstream — to show what any extra HTTP hop costs on the same machine. Every run
// also reports the serving process's CPU time per request (from /proc), which noise barely moves.
//
// Phases:
//   fixed rate, autocannon `overallRate`: what the issue asks for. Note how autocannon paces: every
//     connection sends its share of the second back to back, then waits for the next second, so the
//     load comes in bursts of `connections` concurrent requests. Latencies are taken from its
//     per-response events (float ms; its own histogram rounds to whole ms).
//   fixed rate, paced: an open-loop generator sending one request every 1/rate s (undici pool, no
//     bursts), latency measured from the intended send time (no coordinated omission). Between
//     requests it sleeps in 0.1 ms slices rather than spinning (see runPaced).
//   max throughput: autocannon with `max-connections` connections, no rate limit.
// Every measured run is preceded by `--warmup` seconds (default 2) of the same load on the same
// target, unmeasured: runs rotate over the targets, so each would otherwise start cold after idling
// through the others' runs (see measure() in main).
//
// Fairness on a small machine: the direct runs use two busy processes (generator, upstream), the
// proxied runs three (generator, proxy, upstream) on the same cores, and the mock upstream does no
// work at all, so the max-throughput ratio is a lower bound of what a gateway on its own cores in
// front of real model workers (milliseconds to seconds per request) achieves.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Pool } from "undici";
import { createBatchedRequestRecorder, createGateway, type GatewayDeps, type Principal } from "../src/gateway/index.js";
import { freePort, waitForPort } from "../test/helpers/net.js";

const API_KEY = "sk-bench";
const UPSTREAM_MODEL = "bench-q8";
const MODEL = "bench";
/** Request i: a unique user message, so caches miss (and store) on every request. */
function requestBody(i: number): string {
  return JSON.stringify({
    model: MODEL,
    messages: [
      { role: "system", content: "You are a helpful assistant." },
      { role: "user", content: `Say hello in one short sentence. (request ${i})` },
    ],
    max_tokens: 16,
    temperature: 0,
  });
}
const HEADERS = { "content-type": "application/json", authorization: `Bearer ${API_KEY}` };

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((candidate) => candidate.startsWith(`--${name}=`));
  if (arg === undefined) return fallback;
  const value = Number(arg.slice(name.length + 3));
  if (!Number.isFinite(value) || value < 0) {
    process.stderr.write(`--${name} must be a non-negative number\n`);
    process.exit(2);
  }
  return value;
}
const stringFlag = (name: string) =>
  process.argv.find((candidate) => candidate.startsWith(`--${name}=`))?.slice(name.length + 3);

// ---------------------------------------------------------------------------------------------
// Child processes

async function runUpstream(delayMs: number): Promise<void> {
  const answer = (model: string) =>
    JSON.stringify({
      id: "chatcmpl-bench",
      object: "chat.completion",
      created: 1_700_000_000,
      model,
      choices: [
        { index: 0, message: { role: "assistant", content: "Hello! Nice to meet you today." }, finish_reason: "stop" },
      ],
      usage: { prompt_tokens: 24, completion_tokens: 9, total_tokens: 33 },
    });
  const fixed = Buffer.from(answer(UPSTREAM_MODEL));
  const server = http.createServer((request, response) => {
    request.on("data", () => {});
    request.on("end", () => {
      const send = () => {
        response.writeHead(200, { "content-type": "application/json", "content-length": fixed.length });
        response.end(fixed);
      };
      if (delayMs > 0) setTimeout(send, delayMs);
      else send();
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(0, "127.0.0.1", () => {
    process.stdout.write(`ready ${(server.address() as AddressInfo).port}\n`);
  });
}

async function runGateway(upstreamUrl: string): Promise<void> {
  const principal: Principal = { keyId: "key-bench", name: "bench", role: "service" };
  const resolved = {
    requested: MODEL,
    resolved: `${MODEL}@1`,
    upstreams: [{ id: "upstream-1", baseUrl: `${upstreamUrl}/v1`, model: UPSTREAM_MODEL }],
  };
  const recorder = createBatchedRequestRecorder(async () => {}, { maxBatch: 500, flushMs: 1000 });
  const deps: GatewayDeps = {
    async authenticate(key) {
      if (key !== API_KEY) throw new Error("unexpected key");
      return principal;
    },
    async resolveModel() {
      return resolved;
    },
    async listModels() {
      return [{ id: MODEL, created: 1_700_000_000, owned_by: "bench" }];
    },
    recordRequest: (row) => recorder.record(row),
  };
  const app = createGateway({ deps });
  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  process.stdout.write(`ready ${new URL(address).port}\n`);
}

/**
 * `llmops gateway` with every feature the config file turns on, on a fresh SQLite home, routing
 * the bench model to the mock upstream. Prints the API key it created, then `ready <port>`.
 */
async function runFullGateway(upstreamUrl: string, configFile: string): Promise<void> {
  const [{ loadConfig }, { openPlatform }, { startServer }, { createLogger }] = await Promise.all([
    import("../src/config/index.js"),
    import("../src/platform/open.js"),
    import("../src/platform/server.js"),
    import("../src/platform/logger.js"),
  ]);
  const home = mkdtempSync(join(tmpdir(), "llmops-bench-full-"));
  const config = loadConfig({ configFile, env: { LLMOPS_HOME: home }, cwd: home }).config;
  config.upstreams = [{ name: "mock", url: `${upstreamUrl}/v1`, models: [{ name: MODEL, as: UPSTREAM_MODEL }] }];
  const platform = await openPlatform(config, { writerThread: true });
  const { key } = await platform.keys.create({ name: "bench", role: "service", team: "bench", createdBy: "bench" });
  const server = await startServer(platform, { host: "127.0.0.1", port: 0, logger: createLogger("silent") });
  process.once("SIGTERM", () => {
    void server
      .close()
      .then(() => platform.close())
      .finally(() => process.exit(0));
  });
  process.stdout.write(`key ${key}\nready ${new URL(server.url).port}\n`);
}

function startChild(
  args: string[],
  script = fileURLToPath(import.meta.url),
  nodeOptions: string[] = [],
): Promise<{ child: ChildProcess; port: number; output: string }> {
  const child = spawn(process.execPath, [...nodeOptions, script, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let buffered = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      const match = /ready (\d+)/.exec(buffered);
      if (match) resolve({ child, port: Number(match[1]), output: buffered });
    });
    child.once("exit", (code) => reject(new Error(`child ${args.join(" ")} exited with ${code}`)));
  });
}

/** CPU seconds (user + system) a process has used, from /proc; undefined where there is no /proc. */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ (100 on Linux)
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Load generators

interface RunResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU time the serving process (upstream, gateway or nginx) spent per request in this run (µs). */
  cpuUs?: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function summarize(latencies: number[], seconds: number, errors: number): RunResult {
  latencies.sort((x, y) => x - y);
  return {
    requests: latencies.length,
    rps: latencies.length / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    errors,
  };
}

// Imported only by the parent: the children must not pay for loading it (or its WebAssembly).
const loadAutocannon = async () => (await import("autocannon")).default;

/** How to reach one target: its base URL and the headers it needs (auth, Portkey's routing). */
interface Endpoint {
  url: string;
  headers: Record<string, string>;
}

let requestCounter = 0;

async function runAutocannon(
  endpoint: Endpoint,
  connections: number,
  seconds: number,
  rate?: number,
): Promise<RunResult> {
  const autocannon = await loadAutocannon();
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    const instance = autocannon(
      {
        url: `${endpoint.url}/v1/chat/completions`,
        connections,
        duration: seconds,
        requests: [
          {
            method: "POST",
            path: "/v1/chat/completions",
            headers: endpoint.headers,
            setupRequest: (request) => ({ ...request, body: requestBody(requestCounter++) }),
          },
        ],
        // Fixed rate with latency correction off (autocannon's -C): no invented samples.
        ...(rate === undefined ? {} : { overallRate: rate, ignoreCoordinatedOmission: true }),
      },
      (error, result) => {
        if (error) reject(error);
        else {
          const summary = summarize(latencies, seconds, result.errors + result.non2xx + result.timeouts);
          // autocannon's own count includes responses we did not time (none expected); prefer its rate.
          resolve({ ...summary, rps: result.requests.total / seconds });
        }
      },
    );
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      if (statusCode === 200) latencies.push(responseTime);
    });
  });
}

// The paced generator's wait between requests. A busy loop (setImmediate only) keeps one core at
// 100% — half of a 2-core machine taken from the processes it measures. Instead, when the next
// request is not yet due, the loop sleeps in slices of at most 0.1 ms (Atomics.wait: no CPU) and
// then polls I/O again, so responses are still timed to within ~0.1 ms. `--pacer=spin` restores
// the busy loop.
const sleepCell = new Int32Array(new SharedArrayBuffer(4));
const PACER_SLICE_MS = 0.1;

/** Open loop: request i is due at start + i/rate; latency counts from when it was due. */
async function runPaced(endpoint: Endpoint, rate: number, seconds: number, spin = false): Promise<RunResult> {
  const pool = new Pool(endpoint.url, { connections: 256, keepAliveTimeout: 65_000 });
  const latencies: number[] = [];
  let errors = 0;
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const start = performance.now();
  let sent = 0;
  const pending = new Set<Promise<void>>();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        const due = start + sent * interval;
        sent++;
        const request = pool
          .request({
            path: "/v1/chat/completions",
            method: "POST",
            headers: endpoint.headers,
            body: requestBody(requestCounter++),
          })
          .then(async (response) => {
            await response.body.dump();
            if (response.statusCode === 200) latencies.push(performance.now() - due);
            else errors++;
          })
          .catch(() => {
            errors++;
          });
        pending.add(request);
        void request.finally(() => pending.delete(request));
      }
      if (sent >= total) {
        resolve();
        return;
      }
      const wait = start + sent * interval - performance.now();
      if (!spin && wait > PACER_SLICE_MS)
        Atomics.wait(sleepCell, 0, 0, Math.min(wait - PACER_SLICE_MS / 2, PACER_SLICE_MS));
      setImmediate(tick);
    };
    tick();
  });
  await Promise.all(pending);
  await pool.close();
  return summarize(latencies, seconds, errors);
}

// ---------------------------------------------------------------------------------------------

const median = (values: number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const ms = (value: number) => `${value.toFixed(3)} ms`;

type Target = "direct" | "gateway" | "full" | "variant" | "portkey" | "nginx";
type Round = Partial<Record<Target, RunResult>>;

/** Runs every target once per repeat, rotating the order so none always goes first (warm caches, drifting load). */
async function rotate(
  targets: Target[],
  repeats: number,
  run: (target: Target) => Promise<RunResult>,
  log: (line: string) => void,
  label: string,
): Promise<Round[]> {
  const rounds: Round[] = [];
  for (let i = 0; i < repeats; i++) {
    const order = targets.map((_, k) => targets[(i + k) % targets.length]!);
    const round: Round = {};
    for (const target of order) round[target] = await run(target);
    rounds.push(round);
    const parts = targets.map((target) => {
      const r = round[target]!;
      return (
        `${target} p50 ${ms(r.p50)} p99 ${ms(r.p99)} ${r.rps.toFixed(0)} req/s` +
        (r.cpuUs === undefined ? "" : ` ${r.cpuUs.toFixed(0)} µs CPU/req`) +
        (r.errors > 0 ? ` ERRORS ${r.errors}` : "")
      );
    });
    log(`  ${label} #${i + 1}: ${parts.join(" | ")}`);
  }
  return rounds;
}

interface ProxySummary {
  p50: number;
  p99: number;
  /** Median over repeats of (proxy − direct) measured in the same repeat. */
  addedP50: number;
  addedP99: number;
  rps: number;
  /** Median over repeats of proxy req/s ÷ direct req/s. */
  throughputRatio: number;
  /** CPU time of the proxy process per request (µs). */
  cpuUsPerRequest: number;
}

function summarizeRounds(rounds: Round[], proxies: Target[]) {
  const direct = rounds.map((round) => round.direct!);
  const result: {
    direct: { p50: number; p99: number; rps: number };
    errors: number;
    proxies: Partial<Record<Target, ProxySummary>>;
    /** With the variant target: in how many rounds the full gateway's p99 was below the variant's. */
    fullVsVariant?: { fullLower: number; rounds: number };
  } = {
    direct: {
      p50: median(direct.map((r) => r.p50)),
      p99: median(direct.map((r) => r.p99)),
      rps: median(direct.map((r) => r.rps)),
    },
    errors: rounds.reduce((sum, round) => sum + Object.values(round).reduce((n, r) => n + r.errors, 0), 0),
    proxies: {},
  };
  for (const proxy of proxies) {
    const runs = rounds.map((round) => ({ direct: round.direct!, proxy: round[proxy]! }));
    result.proxies[proxy] = {
      p50: median(runs.map((r) => r.proxy.p50)),
      p99: median(runs.map((r) => r.proxy.p99)),
      addedP50: median(runs.map((r) => r.proxy.p50 - r.direct.p50)),
      addedP99: median(runs.map((r) => r.proxy.p99 - r.direct.p99)),
      rps: median(runs.map((r) => r.proxy.rps)),
      throughputRatio: median(runs.map((r) => r.proxy.rps / r.direct.rps)),
      cpuUsPerRequest: median(runs.map((r) => r.proxy.cpuUs ?? Number.NaN)),
    };
  }
  if (proxies.includes("full") && proxies.includes("variant")) {
    result.fullVsVariant = {
      fullLower: rounds.filter((round) => round.full!.p99 < round.variant!.p99).length,
      rounds: rounds.length,
    };
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Optional reference: nginx as a plain reverse proxy (one worker, keep-alive to the upstream), when
// it is installed. Not a dependency: it only shows what one extra HTTP hop costs on this machine.

function findNginx(): string | undefined {
  const explicit = stringFlag("nginx");
  if (explicit === "off") return undefined;
  const candidates = explicit ? [explicit] : ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"];
  return candidates.find((path) => existsSync(path));
}

async function startNginx(
  binary: string,
  upstreamPort: number,
): Promise<{ child: ChildProcess; port: number; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), "llmops-bench-nginx-"));
  const port = await freePort();
  const temp = (name: string) => `${name}_temp_path ${join(dir, name)};`;
  writeFileSync(
    join(dir, "nginx.conf"),
    `daemon off; master_process off; worker_processes 1; pid ${join(dir, "nginx.pid")}; error_log ${join(dir, "error.log")} warn;
events { worker_connections 4096; }
http {
  access_log off; ${temp("client_body")} ${temp("proxy")} ${temp("fastcgi")} ${temp("uwsgi")} ${temp("scgi")}
  upstream mock { server 127.0.0.1:${upstreamPort}; keepalive 128; }
  server {
    listen 127.0.0.1:${port};
    location / { proxy_pass http://mock; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`,
  );
  const child = spawn(binary, ["-p", dir, "-c", join(dir, "nginx.conf")], { stdio: ["ignore", "ignore", "inherit"] });
  await waitForPort(port, 5000);
  return { child, port, dir };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const seconds = flag("duration", 10);
  const repeats = Math.max(1, Math.round(flag("repeats", 3)));
  const rate = flag("rate", 1000);
  const connections = Math.max(1, Math.round(flag("connections", 10)));
  const maxConnections = Math.max(1, Math.round(flag("max-connections", 32)));
  const delayMs = flag("upstream-delay-ms", 0);
  const phases = new Set((stringFlag("phases") ?? "autocannon,paced,max").split(","));
  // Absolute: the full gateway runs in a temporary folder, where a relative path would not resolve.
  const fullConfig = resolve(
    stringFlag("full-config") ?? join(fileURLToPath(new URL("../../bench/", import.meta.url)), "gateway-full.yaml"),
  );
  const json = process.argv.includes("--json");
  const log = (line: string) => {
    if (!json) process.stdout.write(`${line}\n`);
  };

  const upstream = await startChild(["--child=upstream", `--delay=${delayMs}`]);
  const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
  // Node/V8 flags for both of our gateways: by default what `npm start` and the image use
  // (--max-semi-space-size=64, see docs/scale-out.md); --node-options="" measures Node's defaults.
  const splitOptions = (options: string) => options.split(" ").filter((o) => o !== "");
  const nodeOptions = splitOptions(stringFlag("node-options") ?? "--max-semi-space-size=64");
  const script = fileURLToPath(import.meta.url);
  const only = stringFlag("targets")?.split(",");
  const gateway = await startChild(["--child=gateway", `--upstream=${upstreamUrl}`], script, nodeOptions);
  const startFull = (config: string, options: string[]) =>
    startChild(["--child=full", `--upstream=${upstreamUrl}`, `--config=${config}`], script, options);
  const full = await startFull(fullConfig, nodeOptions);
  const variantConfig = resolve(stringFlag("variant-config") ?? fullConfig);
  const variantOptions = splitOptions(stringFlag("variant-node-options") ?? nodeOptions.join(" "));
  const variant = only?.includes("variant") ? await startFull(variantConfig, variantOptions) : undefined;
  const keyOf = (output: string) => /key (\S+)/.exec(output)?.[1] ?? "";
  const portkey =
    stringFlag("portkey") === "off"
      ? undefined
      : await startChild(
          [`--port=${await freePort()}`],
          fileURLToPath(new URL("./portkey-server.js", import.meta.url)),
        );
  const nginxBinary = findNginx();
  const nginx = nginxBinary === undefined ? undefined : await startNginx(nginxBinary, upstream.port);
  const targets = (["direct", "gateway", "full", "variant", "portkey", "nginx"] as const).filter(
    (target) =>
      (target === "direct" || only === undefined || only.includes(target)) &&
      (target !== "variant" || variant !== undefined) &&
      (target !== "portkey" || portkey !== undefined) &&
      (target !== "nginx" || nginx !== undefined),
  ) as Target[];
  const proxies = targets.filter((target) => target !== "direct");
  const endpoints: Record<Target, Endpoint | undefined> = {
    direct: { url: upstreamUrl, headers: HEADERS },
    gateway: { url: `http://127.0.0.1:${gateway.port}`, headers: HEADERS },
    full: {
      url: `http://127.0.0.1:${full.port}`,
      headers: { "content-type": "application/json", authorization: `Bearer ${keyOf(full.output)}` },
    },
    variant: variant && {
      url: `http://127.0.0.1:${variant.port}`,
      headers: { "content-type": "application/json", authorization: `Bearer ${keyOf(variant.output)}` },
    },
    portkey: portkey && {
      url: `http://127.0.0.1:${portkey.port}`,
      headers: { ...HEADERS, "x-portkey-provider": "openai", "x-portkey-custom-host": `${upstreamUrl}/v1` },
    },
    nginx: nginx && { url: `http://127.0.0.1:${nginx.port}`, headers: HEADERS },
  };
  const pids: Record<Target, number | undefined> = {
    direct: upstream.child.pid,
    gateway: gateway.child.pid,
    full: full.child.pid,
    variant: variant?.child.pid,
    portkey: portkey?.child.pid,
    nginx: nginx?.child.pid,
  };
  const endpoint = (target: Target) => endpoints[target]!;
  // Each run also reports the serving process's CPU time per request: unlike latency, it hardly
  // moves when other work shares the machine.
  // Each measured run follows a short unmeasured run of the same load on the same target. Without
  // it a target's run starts after ~20 s of idling while the others ran, and V8's idle-time work
  // (heap shrinking, code flushing) made its first second several times slower than the rest:
  // a cold start, not the steady state the fixed rate asks about. --warmup=0 measures that too.
  const warmupSeconds = flag("warmup", 2);
  const measure = async (target: Target, run: (seconds: number) => Promise<RunResult>): Promise<RunResult> => {
    if (warmupSeconds > 0) await run(warmupSeconds);
    const before = cpuSeconds(pids[target]);
    const result = await run(seconds);
    const after = cpuSeconds(pids[target]);
    if (before === undefined || after === undefined || result.requests === 0) return result;
    return { ...result, cpuUs: ((after - before) * 1e6) / result.requests };
  };
  try {
    log(
      `gateway overhead: ${repeats} × ${seconds} s per phase and target (${targets.join(", ")}), ` +
        `upstream delay ${delayMs} ms, ${cpus().length} CPUs; full = ${fullConfig}, node options "${nodeOptions.join(" ")}"` +
        (variant === undefined ? "" : `; variant = ${variantConfig}, node options "${variantOptions.join(" ")}"`),
    );
    // Warm up every path (JIT, connection pools, key cache) before anything is measured.
    for (const target of targets) await runAutocannon(endpoint(target), maxConnections, 2);

    const results: Array<[string, ReturnType<typeof summarizeRounds>]> = [];
    if (phases.has("autocannon")) {
      log(`fixed rate ${rate} req/s, autocannon overallRate (-C: no latency correction), ${connections} connections:`);
      const rounds = await rotate(
        targets,
        repeats,
        (t) => measure(t, (s) => runAutocannon(endpoint(t), connections, s, rate)),
        log,
        "autocannon",
      );
      results.push([`${rate} req/s autocannon`, summarizeRounds(rounds, proxies)]);
    }
    if (phases.has("paced")) {
      log(`fixed rate ${rate} req/s, paced open loop:`);
      const rounds = await rotate(
        targets,
        repeats,
        (t) => measure(t, (s) => runPaced(endpoint(t), rate, s, stringFlag("pacer") === "spin")),
        log,
        "paced",
      );
      results.push([`${rate} req/s paced`, summarizeRounds(rounds, proxies)]);
    }
    if (phases.has("max")) {
      log(`max throughput, autocannon, ${maxConnections} connections:`);
      const rounds = await rotate(
        targets,
        repeats,
        (t) => measure(t, (s) => runAutocannon(endpoint(t), maxConnections, s)),
        log,
        "max",
      );
      results.push(["max throughput", summarizeRounds(rounds, proxies)]);
    }

    const summary = {
      machine: { cpus: cpus().length, node: process.version },
      settings: {
        seconds,
        repeats,
        rate,
        connections,
        maxConnections,
        upstreamDelayMs: delayMs,
        fullConfig,
        nodeOptions,
        ...(variant === undefined ? {} : { variant: { config: variantConfig, nodeOptions: variantOptions } }),
      },
      phases: Object.fromEntries(results),
    };
    if (json) {
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      return;
    }
    log("\nsummary (medians over repeats; added = proxy − direct within the same repeat):");
    for (const [name, phase] of results) {
      log(
        `${name}: direct p50 ${ms(phase.direct.p50)} p99 ${ms(phase.direct.p99)} ${phase.direct.rps.toFixed(0)} req/s`,
      );
      for (const proxy of proxies) {
        const s = phase.proxies[proxy]!;
        log(
          `  via ${proxy.padEnd(8)} p50 ${ms(s.p50)} p99 ${ms(s.p99)}  added p50 ${ms(s.addedP50)} p99 ${ms(s.addedP99)}  ` +
            `${s.rps.toFixed(0)} req/s (${(s.throughputRatio * 100).toFixed(1)}% of direct), ${s.cpuUsPerRequest.toFixed(0)} µs CPU/req`,
        );
      }
    }
    // The targets, for each fixed-rate phase that ran: paced is a steady 1,000 req/s; autocannon's
    // overallRate sends each second's share in bursts of `connections` concurrent requests.
    for (const [name, phase] of results) {
      if (name === "max throughput" || phase.proxies.full === undefined) continue;
      const fullAdded = phase.proxies.full.addedP99;
      const portkeyAdded = phase.proxies.portkey?.addedP99;
      log(
        `\ntargets at ${name}: full added p99 ${ms(fullAdded)} ≤ 2 ms: ${fullAdded <= 2 ? "yes" : "NO"}` +
          (portkeyAdded === undefined
            ? ""
            : `; ≤ Portkey's ${ms(portkeyAdded)}: ${fullAdded <= portkeyAdded ? "yes" : "NO"}`),
      );
    }
    for (const [name, phase] of results) {
      const ab = phase.fullVsVariant;
      if (ab === undefined) continue;
      log(
        `A/B at ${name}: full added p99 ${ms(phase.proxies.full!.addedP99)}, variant ${ms(phase.proxies.variant!.addedP99)}; ` +
          `full's p99 lower in ${ab.fullLower} of ${ab.rounds} rounds`,
      );
    }
    const errors = results.reduce((sum, [, phase]) => sum + phase.errors, 0);
    if (errors > 0) log(`WARNING: ${errors} failed requests`);
  } finally {
    upstream.child.kill();
    gateway.child.kill();
    full.child.kill("SIGTERM");
    variant?.child.kill("SIGTERM");
    portkey?.child.kill();
    if (nginx) {
      nginx.child.kill();
      await once(nginx.child, "exit").catch(() => undefined);
      rmSync(nginx.dir, { recursive: true, force: true });
    }
  }
}

const child = stringFlag("child");
// Exit cleanly when the parent stops a child, so `node --cpu-prof` can write its profile.
if (child !== undefined && child !== "full") process.once("SIGTERM", () => process.exit(0));
if (child === "upstream") await runUpstream(flag("delay", 0));
else if (child === "gateway") await runGateway(stringFlag("upstream") ?? "");
else if (child === "full") await runFullGateway(stringFlag("upstream") ?? "", stringFlag("config") ?? "");
else await main();
