// The read-only API the dashboard uses (/api/v1/stats, /api/v1/me) and the static serving of the
// built dashboard, on the real server of `llmops up`, over SQLite and (when configured) PostgreSQL.
// 100k request-log rows are inserted so the Traces queries are measured at the size issue 7 names.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Fastify from "fastify";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { requestId } from "../src/gateway/request-id.js";
import { insertRequests } from "../src/monitor/requests.js";
import { openPlatform, type Platform } from "../src/platform/open.js";
import { type RunningServer, startServer } from "../src/platform/server.js";
import { registerDashboard } from "../src/platform/static.js";
import type { NewRequest } from "../src/store/schema.js";
import { databaseFactories } from "./helpers/databases.js";

const ROWS = 100_000;

for (const [dialect, makeDb] of databaseFactories()) {
  describe(`dashboard API on ${dialect}`, () => {
    const home = mkdtempSync(path.join(tmpdir(), "llmops-dash-api-"));
    let platform: Platform;
    let server: RunningServer;
    let drop: () => Promise<void> = async () => {};
    const keys: Record<string, string> = {};
    const latencies: number[] = [];
    const now = Date.now();

    const get = async (route: string, key: string | null = keys.admin!) => {
      const response = await fetch(`${server.url}${route}`, {
        headers: key ? { authorization: `Bearer ${key}` } : {},
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

    beforeAll(async () => {
      const db = await makeDb();
      drop = db.drop;
      platform = await openPlatform(
        loadConfig({ env: { LLMOPS_HOME: home, LLMOPS_DATABASE_URL: db.url }, cwd: home }).config,
      );
      for (const role of ["admin", "viewer", "service"]) {
        keys[role] = (await platform.keys.create({ name: role, role, createdBy: "test" })).key;
      }
      // 100k rows over the last 50 minutes: 3 models, 1 in 20 an error, seeded latencies.
      let seed = 7;
      const rand = () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      const started = performance.now();
      const all: NewRequest[] = [];
      let batch: NewRequest[] = [];
      for (let i = 0; i < ROWS; i++) {
        const t = now - 50 * 60_000 + Math.floor((i / ROWS) * 50 * 60_000);
        const model = ["alpha", "beta", "gamma"][i % 3]!;
        const status = i % 20 === 0 ? 500 : 200;
        const latency = Math.round(rand() * 1000 * 1000) / 1000;
        latencies.push(latency);
        batch.push({
          id: requestId(t),
          at: new Date(t).toISOString(),
          key_id: null,
          route: "/v1/chat/completions",
          model,
          model_version: `${model}@1`,
          upstream: "http://127.0.0.1:1/v1",
          status,
          error_code: status === 500 ? "internal" : null,
          prompt_tokens: 10,
          completion_tokens: status === 200 ? 5 : null,
          latency_ms: latency,
          ttft_ms: null,
          stream: 0,
        });
        if (batch.length === 2000) {
          all.push(...batch);
          batch = [];
        }
      }
      // One transaction: 50 statements of 2000 rows (14 columns each stays under SQLite's 32766
      // bound parameters), one commit.
      await platform.store.db.transaction().execute(async (trx) => {
        for (let i = 0; i < all.length; i += 2000)
          await insertRequests({ ...platform.store, db: trx }, all.slice(i, i + 2000));
      });
      console.log(`${dialect}: inserted ${ROWS} request rows in ${Math.round(performance.now() - started)} ms`);
      server = await startServer(platform, { host: "127.0.0.1", port: 0, logger: pino({ level: "silent" }) });
    }, 300_000);

    afterAll(async () => {
      await server?.close();
      await platform?.close();
      await drop();
    });

    it("GET /api/v1/me names the key, its role and every role's permissions", async () => {
      const me = await get("/api/v1/me", keys.viewer!);
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ name: "viewer", role: "viewer" });
      expect(me.body.permissions).toContain("requests:read");
      expect((me.body.roles as Record<string, string[]>).admin).toContain("keys:manage");
      expect((await get("/api/v1/me", null)).status).toBe(401);
    });

    it("overview: exact totals, sampled percentiles close to the exact ones, a filled per-minute series", async () => {
      const started = performance.now();
      const { status, body } = await get("/api/v1/stats/overview?window=1h");
      const took = performance.now() - started;
      expect(status).toBe(200);
      expect(body.requests).toBe(ROWS);
      expect(body.errors).toBe(ROWS / 20);
      expect(body.errorRate).toBeCloseTo(0.05, 5);
      // 100k rows is above the exact limit: percentiles come from a ~20k-row sample, so they are
      // within a few ranks' worth of latency of the exact ones (uniform latencies over 0–1000 ms).
      const sorted = [...latencies].sort((a, b) => a - b);
      const rank = (q: number) => sorted[Math.ceil(q * sorted.length) - 1]!;
      const latency = body.latency as Record<string, number>;
      for (const [q, key] of [
        [0.5, "p50"],
        [0.95, "p95"],
        [0.99, "p99"],
      ] as const) {
        expect(Math.abs(latency[key]! - rank(q)), key).toBeLessThan(15);
      }
      const sample = body.sample as { rows: number; of: number };
      expect(sample.of).toBe(ROWS);
      expect(sample.rows).toBeGreaterThan(15_000);
      expect(sample.rows).toBeLessThan(30_000);
      expect(body.tokens).toEqual({ prompt: ROWS * 10, completion: (ROWS - ROWS / 20) * 5 });
      expect(body.cache).toBeNull();
      const versions = body.versions as Array<{ model: string; requests: number }>;
      expect(versions.map((v) => v.model).sort()).toEqual(["alpha@1", "beta@1", "gamma@1"]);
      const series = body.series as Array<{ requests: number }>;
      expect(series.length).toBeGreaterThanOrEqual(60);
      expect(series.reduce((s, p) => s + p.requests, 0)).toBe(ROWS);
      console.log(`${dialect}: overview over ${ROWS} rows in ${Math.round(took)} ms`);
      expect(took).toBeLessThan(5000);
      expect((await get("/api/v1/stats/overview?window=2y")).status).toBe(400);
      expect((await get("/api/v1/stats/overview", keys.service!)).status).toBe(403);
    });

    it("traces: filtered, cursor-paged newest first, counted, fast at 100k rows", async () => {
      const timings: number[] = [];
      const timed = async (route: string) => {
        const started = performance.now();
        const result = await get(route);
        timings.push(performance.now() - started);
        expect(result.status).toBe(200);
        return result.body as { data: Array<Record<string, unknown>>; next_cursor: string | null; total: number };
      };
      // API errors (401/403/400 above) are in the request log too; the seeded rows are the chat ones.
      const first = await timed("/api/v1/stats/requests?limit=50&route=/v1/chat/completions");
      expect(first.data).toHaveLength(50);
      expect(first.total).toBe(ROWS);
      const ids = first.data.map((r) => r.id as string);
      expect([...ids].sort().reverse()).toEqual(ids);
      const second = await timed(
        `/api/v1/stats/requests?limit=50&route=/v1/chat/completions&before=${first.next_cursor}`,
      );
      expect(second.data[0]!.id! < ids.at(-1)!).toBe(true);

      const errors = await timed("/api/v1/stats/requests?status=5xx&model=beta&limit=20");
      expect(errors.data.every((r) => r.status === 500 && r.model === "beta")).toBe(true);
      expect(errors.total).toBe(
        Array.from({ length: ROWS }, (_, i) => i).filter((i) => i % 20 === 0 && i % 3 === 1).length,
      );
      const slow = await timed("/api/v1/stats/requests?min_latency_ms=990&version=gamma@1");
      expect(slow.data.every((r) => (r.latency_ms as number) >= 990 && r.model_version === "gamma@1")).toBe(true);
      const ok = await timed("/api/v1/stats/requests?status=ok&limit=200");
      expect(ok.total).toBe(ROWS - ROWS / 20);

      const detail = await get(`/api/v1/stats/requests/${ids[0]}`);
      expect(detail.status).toBe(200);
      expect(detail.body).toMatchObject({ request: { id: ids[0] }, body: null });
      expect((await get("/api/v1/stats/requests/nope")).status).toBe(404);
      expect((await get("/api/v1/stats/requests?status=abc")).status).toBe(400);
      const facets = await get("/api/v1/stats/requests/facets");
      expect(facets.body.models).toEqual(["alpha", "beta", "gamma"]);

      timings.sort((a, b) => a - b);
      console.log(`${dialect}: trace pages at ${ROWS} rows: ${timings.map((t) => Math.round(t)).join(", ")} ms`);
      expect(timings.at(-1)!).toBeLessThan(1500);
    });
  });
}

describe("static dashboard serving", () => {
  it("serves files with caching headers and gzip, falls back to index.html, never shadows the API", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "llmops-dash-static-"));
    mkdirSync(path.join(dir, "assets"));
    writeFileSync(path.join(dir, "index.html"), `<!doctype html><title>x</title>${"<p>hi</p>".repeat(200)}`);
    writeFileSync(path.join(dir, "assets", "app-abc123.js"), `console.log(1);${" ".repeat(2000)}`);
    const app = Fastify();
    app.get("/api/v1/health", async () => ({ ok: true }));
    app.setNotFoundHandler((_request, reply) => reply.code(404).send({ error: "not found" }));
    expect(await registerDashboard(app, dir)).toBe(2);
    const asset = await app.inject({ url: "/assets/app-abc123.js", headers: { "accept-encoding": "gzip" } });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(asset.headers["content-encoding"]).toBe("gzip");
    const index = await app.inject({ url: "/" });
    expect(index.headers["cache-control"]).toBe("no-cache");
    expect(index.headers["content-type"]).toContain("text/html");
    const again = await app.inject({ url: "/", headers: { "if-none-match": String(index.headers.etag) } });
    expect(again.statusCode).toBe(304);
    expect((await app.inject({ url: "/traces/some-id" })).body).toBe(index.body);
    for (const reserved of ["/api/v1/nope", "/v1/nope", "/metrics/x", "/healthz/x", "/assets/missing.js"]) {
      expect((await app.inject({ url: reserved })).statusCode, reserved).toBe(404);
    }
    expect((await app.inject({ url: "/%E0%A4%A" })).statusCode).toBeLessThan(500);
    expect((await app.inject({ url: "/api/v1/health" })).json()).toEqual({ ok: true });
    await app.close();
  });

  it("explains how to build when dist/dashboard is missing", async () => {
    const app = Fastify();
    expect(await registerDashboard(app, path.join(tmpdir(), "llmops-no-such-dir"))).toBe(0);
    const index = await app.inject({ url: "/" });
    expect(index.statusCode).toBe(200);
    expect(index.body).toContain("npm run build");
    await app.close();
  });
});
