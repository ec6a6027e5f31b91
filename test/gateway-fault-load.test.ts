// Load and fault test (issue 6, item 9): three real worker processes (`llmops worker`, llama.cpp,
// one thread each) behind the real gateway under sustained non-streaming load; one worker is
// killed with SIGKILL mid-run. Zero client requests may fail, the dead worker must be ejected
// within 2 s, and after it restarts on the same address it must be re-admitted and serve again.
// Its row in the workers table stays fresh the whole time (the test holds the lease), as after a
// crash: only the gateway's own health tracking can take it out of rotation.
// Needs `npm run build` (it starts the CLI). Bounded: about 12 s of load.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { writeTinyLlama } from "../src/formats/gguf/index.js";
import { openPlatform, type Platform } from "../src/platform/open.js";
import { type RunningServer, startServer } from "../src/platform/server.js";
import { announceWorker, type WorkerLease } from "../src/platform/workers.js";
import { type RunningCli, startCli } from "./helpers/cli.js";
import { freePort } from "./helpers/net.js";

const home = mkdtempSync(path.join(tmpdir(), "llmops-fault-load-"));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const CLIENTS = 4;
const KILL_AT_MS = 3_000;
const RESTART_AT_MS = 6_000;
const LOAD_MS = 12_000;

let platform: Platform;
let server: RunningServer;
let key: string;
const leases: WorkerLease[] = [];
const processes: Array<RunningCli | undefined> = [];
const ports: number[] = [];

async function startWorkerProcess(index: number): Promise<void> {
  const cli = startCli(
    ["worker", "--model", "m@1", "--port", String(ports[index]), "--threads", "1", "--no-announce", "--json"],
    { cwd: home, env: { LLMOPS_HOME: home, LLMOPS_LOG_LEVEL: "warn" } },
  );
  processes[index] = cli;
  await cli.waitFor(/"url":/, 60_000);
}

async function circuitState(upstream: string): Promise<number | undefined> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const series = `llmops_gateway_upstream_circuit_state{upstream="${upstream}"} `;
  const line = text.split("\n").find((l) => l.startsWith(series));
  return line === undefined ? undefined : Number(line.slice(series.length));
}

beforeAll(async () => {
  await writeTinyLlama(path.join(home, "m.gguf"), { type: "Q8_0", seed: 7, chatml: true });
  // Active checks every 250 ms so the restarted worker is re-admitted quickly (default 5 s).
  writeFileSync(path.join(home, "llmops.yaml"), "routing:\n  health:\n    interval_ms: 250\n");
  const config = loadConfig({ cwd: home, env: { LLMOPS_HOME: home } }).config;
  expect(config.routing?.health.interval_ms).toBe(250);
  platform = await openPlatform(config);
  const version = await platform.registry.register({
    file: path.join(home, "m.gguf"),
    name: "m",
    alias: "production",
    actor: "t",
  });
  for (let i = 0; i < 3; i++) ports.push(await freePort());
  await Promise.all([0, 1, 2].map((i) => startWorkerProcess(i)));
  for (const port of ports) {
    leases.push(
      await announceWorker(platform.store, {
        url: `http://127.0.0.1:${port}/v1`,
        modelName: "m",
        modelVersion: 1,
        artifactHash: version.artifactHash,
      }),
    );
  }
  server = await startServer(platform, { host: "127.0.0.1", port: 0, logger: pino({ level: "silent" }) });
  key = (await platform.keys.create({ name: "load", role: "service", createdBy: "t" })).key;
}, 120_000);

afterAll(async () => {
  await server?.close();
  for (const lease of leases) await lease.stop().catch(() => {});
  for (const cli of processes) await cli?.stop("SIGTERM", 15_000).catch(() => undefined);
  await platform?.close();
});

describe("3 workers under load, one killed and restarted", () => {
  it("fails no request, ejects the dead worker within 2 s and re-admits it after its restart", async () => {
    const victim = leases[0]!.id;
    const results: Array<{ at: number; status: number; upstream: string | null }> = [];
    const failures: string[] = [];
    const started = performance.now();
    const now = () => performance.now() - started;
    let running = true;

    const client = async () => {
      while (running) {
        try {
          const response = await fetch(`${server.url}/v1/chat/completions`, {
            method: "POST",
            headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
            body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }], max_tokens: 4 }),
          });
          const upstream = response.headers.get("x-llmops-upstream");
          if (response.status !== 200) failures.push(`${response.status} ${await response.text()}`);
          else await response.arrayBuffer();
          results.push({ at: now(), status: response.status, upstream });
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    const load = Promise.all(Array.from({ length: CLIENTS }, client));

    // Kill one worker mid-run, the way a crash or an OOM kill would.
    await sleep(KILL_AT_MS);
    expect(results.filter((r) => r.upstream === victim).length).toBeGreaterThan(0);
    const killedAt = now();
    processes[0]!.child.kill("SIGKILL");
    let ejectedAt: number | undefined;
    while (now() - killedAt < 5_000) {
      if ((await circuitState(victim)) === 2) {
        ejectedAt = now();
        break;
      }
      await sleep(20);
    }
    expect(ejectedAt).toBeDefined();
    const ejectionMs = ejectedAt! - killedAt;
    expect(ejectionMs).toBeLessThan(2_000);

    await sleep(Math.max(0, RESTART_AT_MS - now()));
    const restartAt = now();
    await startWorkerProcess(0); // same port: the lease's row points at it again
    const upAt = now();
    let readmittedAt: number | undefined;
    while (now() - upAt < 5_000) {
      if ((await circuitState(victim)) === 0) {
        readmittedAt = now();
        break;
      }
      await sleep(20);
    }
    expect(readmittedAt).toBeDefined();
    await sleep(Math.max(1_500, LOAD_MS - now()));
    running = false;
    await load;

    const servedAfterReadmit = results.filter((r) => r.at > readmittedAt! && r.upstream === victim).length;
    const servedWhileDead = results.filter((r) => r.at > ejectedAt! + 100 && r.at < upAt && r.upstream === victim);
    const summary = {
      requests: results.length,
      failures: failures.length,
      ejectionMs: Math.round(ejectionMs),
      restartTookMs: Math.round(upAt - restartAt),
      readmittedAfterRestartMs: Math.round(readmittedAt! - upAt),
      servedByVictimAfterReadmission: servedAfterReadmit,
    };
    console.log(`load/fault: ${JSON.stringify(summary)}`);
    expect(failures).toEqual([]);
    expect(results.length).toBeGreaterThan(50);
    expect(servedWhileDead).toEqual([]);
    expect(servedAfterReadmit).toBeGreaterThan(0);
  }, 90_000);
});
