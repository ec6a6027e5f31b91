// The scale-out case of rate limits and budgets: three real `llmops gateway` processes (from dist/,
// like `npm test` builds it) share one real Redis and one metadata database, and one API key is
// hammered through all of them at once. Requests per minute must come out exact, and a token budget
// may be overspent by at most one request's worth (here: not at all, since reservations cover the
// real usage), with every process's reconciliation landing in the shared counter.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningCli, runCli, startCli } from "./helpers/cli.js";
import { type OpenAiFixture, startOpenAiFixture } from "./helpers/openai-fixture.js";
import { requiredInCi, testRedisUrl } from "./helpers/services.js";

const redisUrl = testRedisUrl();
if (redisUrl === undefined) requiredInCi("redis");

const USED = 7 + 3; // the fixture's usage per request
const RPM = 30;
const BUDGET = 300;

async function statusOf(response: Response): Promise<number> {
  await response.arrayBuffer();
  return response.status;
}

describe.skipIf(redisUrl === undefined)("limits across three gateway processes sharing Redis", () => {
  let dir: string;
  let upstream: OpenAiFixture;
  const gateways: RunningCli[] = [];
  const urls: string[] = [];
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    upstream = await startOpenAiFixture({ promptTokens: 7, completionTokens: 3 });
    dir = mkdtempSync(path.join(tmpdir(), "llmops-limits-procs-"));
    // Key names are unique per run: the counters live in the shared Redis, keyed by key id.
    writeFileSync(
      path.join(dir, "llmops.yaml"),
      [
        "home: ./home",
        `redis_url: ${redisUrl}`,
        "log_level: warn",
        "upstreams:",
        "  - name: fixture",
        `    url: ${upstream.baseUrl}`,
        "    models: [tiny]",
        "limits:",
        "  keys:",
        `    rpm: { requests_per_minute: ${RPM} }`,
        `    budget: { budget_tokens: ${BUDGET}, budget_period: day }`,
        "",
      ].join("\n"),
    );
    for (const name of ["rpm", "budget"]) {
      const created = runCli(["keys", "create", "--name", name, "--role", "service", "--json"], { cwd: dir });
      expect(created.code, created.stderr).toBe(0);
      keys[name] = (JSON.parse(created.stdout) as { key: string }).key;
    }
    const start = () => {
      const gateway = startCli(["gateway", "--port", "0", "--json"], { cwd: dir });
      gateways.push(gateway);
      return gateway.waitFor(/"baseUrl":\s*"([^"]+)"/, 60_000).then((match) => match[1]!);
    };
    urls.push(await start()); // the first one runs the migrations
    urls.push(...(await Promise.all([start(), start()])));
    // Warm each process's key cache (one scrypt per key and process) with a call no limit counts,
    // so the bursts below measure the limiter, not key verification.
    for (const url of urls) {
      for (const key of Object.values(keys)) {
        expect(await fetch(`${url}/models`, { headers: { authorization: `Bearer ${key}` } }).then(statusOf)).toBe(200);
      }
    }
  }, 120_000);

  /** Per-minute counters are fixed windows: keep a burst from straddling two of them. */
  const awayFromMinuteEnd = async () => {
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 45_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 50));
  };

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.stop("SIGTERM")));
    await upstream?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const chat = (base: string, key: string) =>
    fetch(`${base}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "tiny", messages: [{ role: "user", content: "hi" }], max_tokens: 3 }),
    }).then(statusOf);

  it("lets exactly the per-minute limit through when 90 requests arrive at once over 3 processes", async () => {
    await awayFromMinuteEnd();
    const before = upstream.hits.chat;
    const statuses = await Promise.all(Array.from({ length: 3 * RPM }, (_, i) => chat(urls[i % 3]!, keys.rpm!)));
    const ok = statuses.filter((s) => s === 200).length;
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    expect(ok).toBe(RPM);
    expect(upstream.hits.chat - before).toBe(RPM);
  }, 90_000);

  it("spends a token budget across processes without overspending, reconciling every reservation", async () => {
    let ok = 0;
    // Waves of concurrent requests until the budget refuses everything.
    for (let wave = 0; wave < 12; wave++) {
      const statuses = await Promise.all(Array.from({ length: 15 }, (_, i) => chat(urls[i % 3]!, keys.budget!)));
      expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
      const passed = statuses.filter((s) => s === 200).length;
      ok += passed;
      if (passed === 0) break;
    }
    const spent = ok * USED;
    // At most one request's worth over the budget…
    expect(spent).toBeLessThanOrEqual(BUDGET + USED);
    // …and the budget really gets used: refusals start only when a reservation (29) no longer fits.
    expect(spent).toBeGreaterThan(BUDGET - 29 - USED);
    // Every process reconciled into the one counter: it holds exactly the real usage.
    const response = await fetch(`${urls[2]!.replace(/\/v1$/, "")}/api/v1/limits`, {
      headers: { authorization: `Bearer ${keys.budget}` },
    });
    const state = (await response.json()) as { store: string; data: Array<{ measure: string; used: number }> };
    expect(state.store).toBe("redis");
    expect(state.data.find((row) => row.measure === "budget_tokens")?.used).toBe(spent);
  }, 60_000);
});
