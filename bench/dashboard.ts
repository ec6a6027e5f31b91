// Dashboard performance: bundle size (raw and gzip), the API calls behind the Overview and Traces
// pages with N request-log rows (default 100k), and — when Debian's Chromium is installed — the
// first load of the dashboard measured by the browser's navigation timing. Baselines from the same
// run: GET /healthz for HTTP round trips, and the plain newest-50 query on the same table for the
// Traces queries (the cheapest thing such a page could do).
//
//   npm run build && node dist/bench/dashboard.js [--rows 100000] [--postgres URL]
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { pino } from "pino";
import { loadConfig } from "../src/config/index.js";
import { requestId } from "../src/gateway/request-id.js";
import { openPlatform } from "../src/platform/open.js";
import { startServer } from "../src/platform/server.js";
import { defaultDashboardDir } from "../src/platform/static.js";
import type { NewRequest } from "../src/store/schema.js";

const { values: args } = parseArgs({
  options: { rows: { type: "string", default: "100000" }, postgres: { type: "string" } },
});
const ROWS = Number(args.rows);

function bundle(): void {
  const dir = defaultDashboardDir();
  if (!existsSync(path.join(dir, "index.html"))) throw new Error(`${dir} is missing: run npm run build first`);
  let raw = 0;
  let gz = 0;
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const file = path.join(d, name);
      if (statSync(file).isDirectory()) walk(file);
      else {
        const body = readFileSync(file);
        raw += body.length;
        gz += gzipSync(body, { level: 9 }).length;
        console.log(
          `  ${path.relative(dir, file).padEnd(32)} ${(body.length / 1024).toFixed(1).padStart(7)} KB  gzip ${(gzipSync(body, { level: 9 }).length / 1024).toFixed(1).padStart(6)} KB`,
        );
      }
    }
  };
  console.log(`bundle (${dir}):`);
  walk(dir);
  console.log(`  total ${(raw / 1024).toFixed(1)} KB, gzip ${(gz / 1024).toFixed(1)} KB (what a first load transfers)`);
}

async function median(times: number, fn: () => Promise<unknown>): Promise<number> {
  const out: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  out.sort((a, b) => a - b);
  return out[Math.floor(out.length / 2)]!;
}

async function main(): Promise<void> {
  bundle();
  const home = mkdtempSync(path.join(tmpdir(), "llmops-bench-dash-"));
  const env: Record<string, string> = { LLMOPS_HOME: home };
  if (args.postgres) env.LLMOPS_DATABASE_URL = args.postgres;
  const platform = await openPlatform(loadConfig({ env, cwd: home }).config);
  const { key } = await platform.keys.create({ name: "bench", role: "admin", createdBy: "bench" });
  const t0 = performance.now();
  const now = Date.now();
  const batches: NewRequest[][] = [];
  for (let offset = 0; offset < ROWS; offset += 2000) {
    const rows: NewRequest[] = [];
    for (let i = offset; i < Math.min(ROWS, offset + 2000); i++) {
      const t = now - (ROWS - i) * 30; // the whole log inside the last hour when ROWS ≤ 120k
      rows.push({
        id: requestId(t),
        at: new Date(t).toISOString(),
        key_id: null,
        route: i % 3 ? "/v1/chat/completions" : "/v1/completions",
        model: `m${i % 4}`,
        model_version: `m${i % 4}@1`,
        upstream: null,
        status: i % 40 === 0 ? 503 : 200,
        error_code: null,
        prompt_tokens: 20,
        completion_tokens: 40,
        latency_ms: 10 + (i % 997),
        ttft_ms: i % 2 ? 3 + (i % 50) : null,
        stream: i % 2,
      });
    }
    batches.push(rows);
  }
  await platform.store.db.transaction().execute(async (trx) => {
    for (const rows of batches) await trx.insertInto("requests").values(rows).execute();
  });
  console.log(
    `\n${ROWS} request rows on ${platform.store.dialect} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  const server = await startServer(platform, { host: "127.0.0.1", port: 0, logger: pino({ level: "silent" }) });
  const get = (url: string) =>
    fetch(`${server.url}${url}`, { headers: { authorization: `Bearer ${key}`, "accept-encoding": "gzip" } }).then((r) =>
      r.arrayBuffer(),
    );
  try {
    const healthz = await median(30, () => get("/healthz"));
    const newest = await median(30, () =>
      platform.store.db.selectFrom("requests").selectAll().orderBy("id", "desc").limit(50).execute(),
    );
    const first = await get("/api/v1/stats/requests?limit=50");
    const page = JSON.parse(Buffer.from(first).toString()) as { next_cursor: string };
    const cases: Array<[string, string]> = [
      ["GET / (index.html)", "/"],
      ["traces: newest 50", "/api/v1/stats/requests?limit=50"],
      ["traces: next page (cursor)", `/api/v1/stats/requests?limit=50&before=${page.next_cursor}`],
      ["traces: model + 5xx filter", "/api/v1/stats/requests?limit=50&model=m0&status=5xx"],
      ["traces: latency ≥ 900 ms", "/api/v1/stats/requests?limit=50&min_latency_ms=900"],
      ["traces: one request", `/api/v1/stats/requests/${page.next_cursor}`],
      ["overview: 1 h (2 s cache hit)", "/api/v1/stats/overview?window=1h"],
    ];
    let uncached = 0;
    const overview = await median(7, () => get(`/api/v1/stats/overview?window=1h&bench=${uncached++}`));
    console.log(`\noverview over ${ROWS} rows in the window, uncached: median ${overview.toFixed(0)} ms`);
    console.log(
      `\nbaselines: GET /healthz ${healthz.toFixed(1)} ms; newest-50 query in process ${newest.toFixed(1)} ms`,
    );
    console.log("median of 15 calls, ms (× GET /healthz):");
    for (const [name, url] of cases) {
      const ms = await median(15, () => get(url));
      console.log(`  ${name.padEnd(30)} ${ms.toFixed(1).padStart(8)}  (${(ms / healthz).toFixed(1)}×)`);
    }

    const chromium = process.env.LLMOPS_TEST_CHROMIUM ?? "/usr/bin/chromium";
    if (existsSync(chromium)) {
      const { chromium: pw } = await import("playwright-core");
      const browser = await pw.launch({
        executablePath: chromium,
        args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
      });
      const loads: number[] = [];
      for (let i = 0; i < 5; i++) {
        const context = await browser.newContext(); // cold cache each time
        const tab = await context.newPage();
        await tab.goto(`${server.url}/`, { waitUntil: "load" });
        loads.push(
          (await tab.evaluate(
            `(() => { const n = performance.getEntriesByType("navigation")[0]; return n.loadEventEnd - n.startTime; })()`,
          )) as number,
        );
        await context.close();
      }
      await browser.close();
      loads.sort((a, b) => a - b);
      console.log(
        `\nfirst load in Chromium (cold cache, loopback): median ${loads[2]!.toFixed(0)} ms, max ${loads[4]!.toFixed(0)} ms`,
      );
    } else {
      console.log(`\n(no Chromium at ${chromium}: first-load timing skipped)`);
    }
  } finally {
    await server.close();
    await platform.close();
  }
}

await main();
