// The scale-out topology for real, on loopback: two `llmops gateway` instances (gateway + control-plane
// API) behind nginx, three `llmops worker` processes, PostgreSQL for metadata, Redis for shared
// counters and OpenStack Swift's S3 API for artifacts — every process from dist/, as a user runs it.
// A model registered through instance A is served through B; a per-key rate limit holds across
// both; admin actions through both keep one valid audit chain; the instances start (and migrate)
// at the same moment; and a rolling restart under load (stop A, start C, stop B) fails no request.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyLlama } from "../src/formats/gguf/index.js";
import { type RunningCli, runCli, startCli } from "./helpers/cli.js";
import { databaseFactories, type TestDatabase } from "./helpers/databases.js";
import { freePort } from "./helpers/net.js";
import { requiredInCi, testPostgresUrl, testRedisUrl, testS3 } from "./helpers/services.js";

const NGINX = [process.env.LLMOPS_TEST_NGINX, "/usr/sbin/nginx", "/usr/bin/nginx"].find(
  (p): p is string => p !== undefined && p !== "" && existsSync(p),
);
const pgUrl = testPostgresUrl();
const redisUrl = testRedisUrl();
const s3 = testS3();
if (pgUrl === undefined) requiredInCi("postgres");
if (redisUrl === undefined) requiredInCi("redis");
if (s3 === undefined) requiredInCi("s3");
if (NGINX === undefined) requiredInCi("nginx");
const ready = pgUrl !== undefined && redisUrl !== undefined && s3 !== undefined && NGINX !== undefined;

const ADMIN_KEY = `llm_topology_${Math.random().toString(36).slice(2)}_admin_key_for_tests`;
const RPM = 12;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!ready)("multi-instance topology: nginx → 2 gateways → 3 workers on PostgreSQL, Redis, S3", () => {
  let root: string;
  let database: TestDatabase;
  let env: NodeJS.ProcessEnv;
  const gateways = new Map<string, { cli: RunningCli; url: string }>();
  const workers: RunningCli[] = [];
  let nginx: ChildProcess | undefined;
  let nginxDir: string;
  let nginxPort: number;

  const startGateway = async (name: string, port = 0) => {
    const dir = path.join(root, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "llmops.yaml"), `limits:\n  keys:\n    limited: { requests_per_minute: ${RPM} }\n`);
    const cli = startCli(["gateway", "--port", String(port), "--json"], {
      cwd: dir,
      env: { ...env, LLMOPS_HOME: path.join(dir, "home") },
    });
    const url = (await cli.waitFor(/"baseUrl":\s*"([^"]+)\/v1"/, 90_000))[1]!;
    gateways.set(name, { cli, url });
    return url;
  };

  // Gateway C of the rolling restart gets a port now and is in nginx's list from the start: nginx
  // skips it while it refuses connections, so the restart needs no nginx reload (a reload closes
  // clients' kept-alive connections, which a plain fetch() does not retry).
  let portC: number;
  const writeNginxConfig = (hosts: string[]) => {
    // max_fails=0: a refused connect sends the request on to the next gateway without marking the
    // server down, so a transient error on the last gateway left never turns into "no live upstreams".
    const servers = hosts.map((host) => `    server ${host} max_fails=0;`).join("\n");
    writeFileSync(
      path.join(nginxDir, "nginx.conf"),
      `worker_processes 1;
pid ${nginxDir}/nginx.pid;
error_log ${nginxDir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${nginxDir}/tmp;
  proxy_temp_path ${nginxDir}/tmp;
  upstream llmops {
${servers}
    keepalive 16;
    # Shorter than the gateways' own idle timeout, so nginx never reuses a socket a gateway is closing.
    keepalive_timeout 4s;
  }
  server {
    listen 127.0.0.1:${nginxPort};
    location / {
      proxy_pass http://llmops;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      # A gateway that goes away mid-connect or closes a kept-alive socket: try the other one.
      # (POST is not idempotent to nginx, but a request that never reached a gateway is safe to resend.)
      proxy_next_upstream error timeout http_502 http_503 non_idempotent;
      proxy_next_upstream_tries 3;
    }
  }
}
`,
    );
  };

  const api = (base: string, route: string, init: RequestInit = {}) =>
    fetch(`${base}/api/v1${route}`, {
      ...init,
      headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(init.headers ?? {}) },
    });

  const chat = async (base: string, key = ADMIN_KEY) => {
    const response = await fetch(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "tiny", messages: [{ role: "user", content: "hi" }], max_tokens: 2 }),
    });
    const body = await response.text();
    return { status: response.status, body };
  };

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), "llmops-topology-"));
    const pg = databaseFactories().find(([name]) => name === "postgres")!;
    database = await pg[1]();
    env = {
      LLMOPS_DATABASE_URL: database.url,
      LLMOPS_ARTIFACTS_URL: `s3://${s3!.bucket}/topology-${process.pid}-${Date.now()}`,
      LLMOPS_S3_ENDPOINT: s3!.endpoint,
      LLMOPS_S3_REGION: s3!.options.region,
      LLMOPS_S3_ACCESS_KEY_ID: s3!.options.accessKeyId,
      LLMOPS_S3_SECRET_ACCESS_KEY: s3!.options.secretAccessKey,
      LLMOPS_S3_FORCE_PATH_STYLE: "true",
      LLMOPS_REDIS_URL: redisUrl,
      LLMOPS_ADMIN_KEY: ADMIN_KEY,
      LLMOPS_LOG_LEVEL: "warn",
    };
    // Both instances start at once on an empty database: the migrations must serialise themselves.
    await Promise.all([startGateway("a"), startGateway("b")]);

    nginxDir = path.join(root, "nginx");
    mkdirSync(path.join(nginxDir, "tmp"), { recursive: true });
    nginxPort = await freePort();
    portC = await freePort();
    writeNginxConfig([
      new URL(gateways.get("a")!.url).host,
      new URL(gateways.get("b")!.url).host,
      `127.0.0.1:${portC}`,
    ]);
    nginx = spawn(NGINX!, ["-p", nginxDir, "-c", path.join(nginxDir, "nginx.conf"), "-g", "daemon off;"], {
      stdio: "ignore",
    });
    for (let i = 0; i < 100; i++) {
      if (
        await fetch(`http://127.0.0.1:${nginxPort}/healthz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await sleep(50);
    }
  }, 180_000);

  afterAll(async () => {
    nginx?.kill("SIGQUIT");
    await Promise.all(workers.map((w) => w.stop("SIGTERM")));
    await Promise.all([...gateways.values()].map((g) => g.cli.stop("SIGTERM")));
    await database?.drop().catch(() => {});
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
  }, 60_000);

  it("serves through B a model registered through A, on three workers that fetched it from S3", async () => {
    const a = gateways.get("a")!.url;
    const b = gateways.get("b")!.url;
    const file = path.join(root, "tiny.gguf");
    await writeTinyLlama(file, { type: "Q8_0", seed: 21, chatml: true });
    const registered = await api(a, "/models/tiny/versions?alias=production", {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: readFileSync(file),
    });
    expect(registered.status, await registered.clone().text()).toBe(201);

    for (let i = 0; i < 3; i++) {
      const dir = path.join(root, `worker-${i}`);
      mkdirSync(dir, { recursive: true });
      const worker = startCli(["worker", "--model", "tiny@production", "--port", "0", "--threads", "1", "--json"], {
        cwd: dir,
        env: { ...env, LLMOPS_HOME: path.join(dir, "home") },
      });
      workers.push(worker);
    }
    await Promise.all(workers.map((w) => w.waitFor(/"url":\s*"http/, 120_000)));

    const live = (await (await api(b, "/workers")).json()) as { data: { model_name: string }[] };
    expect(live.data.filter((w) => w.model_name === "tiny")).toHaveLength(3);
    const answer = await chat(b);
    expect(answer.status, answer.body).toBe(200);
    expect((JSON.parse(answer.body) as { model: string }).model).toBe("tiny");
    const viaNginx = await chat(`http://127.0.0.1:${nginxPort}`);
    expect(viaNginx.status, viaNginx.body).toBe(200);
  }, 240_000);

  it("advises how many workers each model needs from the live workers' metrics", () => {
    const result = runCli(
      ["deploy", "scale-advice", "--url", gateways.get("b")!.url, "--key", ADMIN_KEY, "--interval", "300ms", "--json"],
      { cwd: root },
    );
    expect(result.code, result.stderr).toBe(0);
    const { advice } = JSON.parse(result.stdout) as {
      advice: { model: string; current: number; desired: number; inFlight: number; reason: string }[];
    };
    const tiny = advice.find((a) => a.model.startsWith("tiny@"))!;
    expect(tiny).toMatchObject({ current: 3, inFlight: 0 });
    // Idle: the recommender asks for the minimum (1) but steps down one worker at a time.
    expect(tiny.desired).toBe(2);
    const denied = runCli(["deploy", "scale-advice", "--url", gateways.get("b")!.url, "--key", "llm_wrong"], {
      cwd: root,
    });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/models:read/);
  }, 60_000);

  it("enforces one key's rate limit across both instances through Redis", async () => {
    const b = gateways.get("b")!.url;
    const created = await api(b, "/keys", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "limited", role: "service" }),
    });
    expect(created.status, await created.clone().text()).toBeLessThan(300);
    const { key } = (await created.json()) as { key: string };
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 40_000) await sleep(60_000 - intoMinute + 100); // one fixed window for the burst
    const urls = [gateways.get("a")!.url, b];
    const statuses = await Promise.all(
      Array.from({ length: RPM * 2 }, (_, i) => chat(urls[i % 2]!, key).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    expect(statuses.filter((s) => s === 200)).toHaveLength(RPM);
  }, 120_000);

  it("keeps one valid audit chain when admin actions go through both instances at once", async () => {
    const urls = [gateways.get("a")!.url, gateways.get("b")!.url];
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        api(urls[i % 2]!, "/keys", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: `ops-${i}`, role: "viewer" }),
        }).then((r) => r.status),
      ),
    );
    expect(results.every((s) => s < 300)).toBe(true);
    for (const url of urls) {
      const verify = (await (await api(url, "/audit/verify")).json()) as { ok: boolean; entries?: number };
      expect(verify.ok).toBe(true);
    }
  }, 60_000);

  it("survives a rolling restart under load: stop A, start C, stop B — no failed request", async () => {
    const front = `http://127.0.0.1:${nginxPort}`;
    let stop = false;
    const outcomes: { status: number; body: string; at: number }[] = [];
    const client = async () => {
      while (!stop)
        outcomes.push({ ...(await chat(front).catch((e) => ({ status: 0, body: String(e) }))), at: Date.now() });
    };
    const clients = Array.from({ length: 6 }, client);
    await sleep(1_500);
    const stoppedA = Date.now();
    await gateways.get("a")!.cli.stop("SIGTERM");
    await startGateway("c", portC);
    await sleep(1_000);

    const stoppedB = Date.now();
    await gateways.get("b")!.cli.stop("SIGTERM");
    await sleep(1_500);
    stop = true;
    await Promise.all(clients);

    const failed = outcomes.filter((o) => o.status !== 200);
    expect(failed.slice(0, 3), `${failed.length} of ${outcomes.length} failed`).toEqual([]);
    expect(outcomes.filter((o) => o.at > stoppedA).length).toBeGreaterThan(5);
    expect(outcomes.filter((o) => o.at > stoppedB).length).toBeGreaterThan(5);
  }, 240_000);
});
