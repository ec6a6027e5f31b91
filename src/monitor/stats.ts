// Aggregates over the gateway's request log for the dashboard: totals, latency percentiles and a
// time series over a window, and a filtered, keyset-paginated log. Portable SQL only (SQLite and
// PostgreSQL): percentiles are read with ORDER BY … OFFSET instead of engine-specific functions,
// time buckets are prefixes of the ISO-8601 `at` strings.
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from "kysely";
import { z } from "zod";
import { notFound } from "../errors.js";
import type { MetadataStore } from "../store/metadata/types.js";
import type { Database, RequestRow } from "../store/schema.js";
import { parseOrThrow } from "../validation.js";

export const WINDOWS = {
  "15m": 15 * 60_000,
  "1h": 3_600_000,
  "6h": 6 * 3_600_000,
  "24h": 86_400_000,
  "7d": 7 * 86_400_000,
};
export type StatsWindow = keyof typeof WINDOWS;

export interface LatencySummary {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  mean: number | null;
}

export interface VersionStats {
  model: string;
  requests: number;
  errors: number;
  errorRate: number;
  p50: number | null;
  p95: number | null;
  promptTokens: number;
  completionTokens: number;
}

export interface SeriesPoint {
  /** Start of the bucket, ISO-8601. */
  t: string;
  requests: number;
  errors: number;
  meanLatency: number | null;
  maxLatency: number | null;
  tokens: number;
}

export interface Overview {
  window: StatsWindow;
  since: string;
  until: string;
  bucket: "minute" | "hour";
  requests: number;
  errors: number;
  errorRate: number;
  statuses: Record<"2xx" | "3xx" | "4xx" | "5xx", number>;
  latency: LatencySummary;
  ttft: LatencySummary;
  tokens: { prompt: number; completion: number };
  /** Null while the request log records no cache outcome (the gateway's cache has not landed). */
  cache: { hits: number; lookups: number; hitRate: number } | null;
  /** Per resolved model version (name@version or upstream), busiest first, at most 8. */
  versions: VersionStats[];
  series: SeriesPoint[];
  /** The same totals over the window before this one, for "up 20% on the previous hour". */
  previous: { requests: number; errorRate: number; p50: number | null };
}

const overviewQuery = z.object({
  window: z.enum(Object.keys(WINDOWS) as [StatsWindow, ...StatsWindow[]]).default("1h"),
});

type Where = (eb: ExpressionBuilder<Database, "requests">) => Expression<SqlBool>;

export async function requestOverview(store: MetadataStore, query: unknown, now: Date = new Date()): Promise<Overview> {
  const { window } = parseOrThrow(overviewQuery, query ?? {}, "query");
  const span = WINDOWS[window];
  const until = now.toISOString();
  const since = new Date(now.getTime() - span).toISOString();
  const prevSince = new Date(now.getTime() - 2 * span).toISOString();
  const inWindow: Where = (eb) => eb.and([eb("at", ">=", since), eb("at", "<=", until)]);
  const inPrevious: Where = (eb) => eb.and([eb("at", ">=", prevSince), eb("at", "<", since)]);
  const db = store.db;

  const totals = await aggregate(store, inWindow);
  const prevTotals = await aggregate(store, inPrevious);
  const n = totals.requests;
  // Up to IN_MEMORY rows, one scan gives every percentile (overall, first token, per version);
  // beyond that each percentile is its own ORDER BY … OFFSET query, slower but flat in memory.
  const small = n <= IN_MEMORY;
  const sample = small
    ? await db
        .selectFrom("requests")
        .select(["latency_ms", "ttft_ms", "model_version", "status"])
        .where(inWindow)
        .execute()
    : null;
  const latency = sample
    ? ranks(
        sample.map((r) => Number(r.latency_ms)),
        totals.meanLatency,
      )
    : await percentiles(store, inWindow, "latency_ms", n, totals.meanLatency);
  let ttft: LatencySummary;
  if (sample) {
    ttft = ranks(
      sample.filter((r) => r.ttft_ms !== null).map((r) => Number(r.ttft_ms)),
      totals.meanTtft,
    );
  } else {
    const ttftCount = Number(
      (
        await db
          .selectFrom("requests")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .where(inWindow)
          .where("ttft_ms", "is not", null)
          .executeTakeFirst()
      )?.n ?? 0,
    );
    const ttftWhere: Where = (eb) => eb.and([inWindow(eb), eb("ttft_ms", "is not", null)]);
    ttft = await percentiles(store, ttftWhere, "ttft_ms", ttftCount, totals.meanTtft);
  }
  const prevP50 =
    prevTotals.requests <= IN_MEMORY
      ? ranks(
          (await db.selectFrom("requests").select("latency_ms").where(inPrevious).execute()).map((r) =>
            Number(r.latency_ms),
          ),
          null,
        ).p50
      : (await percentiles(store, inPrevious, "latency_ms", prevTotals.requests, null)).p50;

  const byVersion = await db
    .selectFrom("requests")
    .select((eb) => [
      "model_version",
      eb.fn.countAll<number>().as("n"),
      eb.fn.sum<number>(eb.case().when("status", ">=", 400).then(1).else(0).end()).as("errors"),
      eb.fn.sum<number>("prompt_tokens").as("prompt"),
      eb.fn.sum<number>("completion_tokens").as("completion"),
    ])
    .where(inWindow)
    .where("model_version", "is not", null)
    .groupBy("model_version")
    .orderBy("n", "desc")
    .limit(8)
    .execute();
  const okLatencies = new Map<string, number[]>();
  for (const r of sample ?? []) {
    if (r.model_version === null || r.status >= 400) continue;
    const list = okLatencies.get(r.model_version) ?? [];
    if (list.length === 0) okLatencies.set(r.model_version, list);
    list.push(Number(r.latency_ms));
  }
  const versions: VersionStats[] = [];
  for (const row of byVersion) {
    const model = row.model_version as string;
    const count = Number(row.n);
    const only: Where = (eb) => eb.and([inWindow(eb), eb("model_version", "=", model), eb("status", "<", 400)]);
    const okCount = count - Number(row.errors ?? 0);
    // Latency of successful answers only: a fast 503 should not make a version look quick.
    const p = sample
      ? ranks(okLatencies.get(model) ?? [], null)
      : await percentiles(store, only, "latency_ms", okCount, null);
    versions.push({
      model,
      requests: count,
      errors: Number(row.errors ?? 0),
      errorRate: count ? Number(row.errors ?? 0) / count : 0,
      p50: p.p50,
      p95: p.p95,
      promptTokens: Number(row.prompt ?? 0),
      completionTokens: Number(row.completion ?? 0),
    });
  }

  const bucket = span <= 6 * 3_600_000 ? "minute" : "hour";
  const width = bucket === "minute" ? 16 : 13; // "2026-01-02T03:04" or "2026-01-02T03"
  const key = sql<string>`substr(at, 1, ${sql.lit(width)})`;
  const rows = await db
    .selectFrom("requests")
    .select((eb) => [
      key.as("t"),
      eb.fn.countAll<number>().as("n"),
      eb.fn.sum<number>(eb.case().when("status", ">=", 400).then(1).else(0).end()).as("errors"),
      eb.fn.avg<number>("latency_ms").as("mean"),
      eb.fn.max("latency_ms").as("max"),
      eb.fn.sum<number>(sql<number>`coalesce(prompt_tokens, 0) + coalesce(completion_tokens, 0)`).as("tokens"),
    ])
    .where(inWindow)
    .groupBy(key)
    .orderBy(key)
    .execute();
  const series = fillSeries(
    rows.map((r) => ({
      t: r.t,
      requests: Number(r.n),
      errors: Number(r.errors ?? 0),
      meanLatency: r.mean === null ? null : Number(r.mean),
      maxLatency: r.max === null ? null : Number(r.max),
      tokens: Number(r.tokens ?? 0),
    })),
    since,
    until,
    bucket,
  );

  return {
    window,
    since,
    until,
    bucket,
    requests: n,
    errors: totals.errors,
    errorRate: n ? totals.errors / n : 0,
    statuses: totals.statuses,
    latency,
    ttft,
    tokens: { prompt: totals.prompt, completion: totals.completion },
    cache: await cacheStats(store, inWindow),
    versions,
    series,
    previous: {
      requests: prevTotals.requests,
      errorRate: prevTotals.requests ? prevTotals.errors / prevTotals.requests : 0,
      p50: prevP50,
    },
  };
}

async function aggregate(store: MetadataStore, where: Where) {
  const status = (from: number, to: number) => (eb: ExpressionBuilder<Database, "requests">) =>
    eb.fn.sum<number>(
      eb
        .case()
        .when(eb.and([eb("status", ">=", from), eb("status", "<", to)]))
        .then(1)
        .else(0)
        .end(),
    );
  const row = await store.db
    .selectFrom("requests")
    .select((eb) => [
      eb.fn.countAll<number>().as("n"),
      status(400, 600)(eb).as("errors"),
      status(200, 300)(eb).as("s2"),
      status(300, 400)(eb).as("s3"),
      status(400, 500)(eb).as("s4"),
      status(500, 600)(eb).as("s5"),
      eb.fn.avg<number>("latency_ms").as("mean"),
      eb.fn.avg<number>("ttft_ms").as("mean_ttft"),
      eb.fn.sum<number>("prompt_tokens").as("prompt"),
      eb.fn.sum<number>("completion_tokens").as("completion"),
    ])
    .where(where)
    .executeTakeFirst();
  const num = (v: unknown) => Number(v ?? 0);
  return {
    requests: num(row?.n),
    errors: num(row?.errors),
    statuses: { "2xx": num(row?.s2), "3xx": num(row?.s3), "4xx": num(row?.s4), "5xx": num(row?.s5) },
    meanLatency: row?.mean == null ? null : Number(row.mean),
    meanTtft: row?.mean_ttft == null ? null : Number(row.mean_ttft),
    prompt: num(row?.prompt),
    completion: num(row?.completion),
  };
}

const IN_MEMORY = 250_000;

/** Nearest-rank percentiles of values in memory. */
function ranks(values: number[], mean: number | null): LatencySummary {
  if (values.length === 0) return { p50: null, p95: null, p99: null, mean };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), mean };
}

/** Nearest-rank percentiles, one ORDER BY … LIMIT 1 OFFSET k query each. */
async function percentiles(
  store: MetadataStore,
  where: Where,
  column: "latency_ms" | "ttft_ms",
  count: number,
  mean: number | null,
): Promise<LatencySummary> {
  if (count === 0) return { p50: null, p95: null, p99: null, mean };
  const at = async (q: number): Promise<number | null> => {
    const offset = Math.min(count - 1, Math.max(0, Math.ceil(q * count) - 1));
    const row = await store.db
      .selectFrom("requests")
      .select(column)
      .where(where)
      .where(column, "is not", null)
      .orderBy(column)
      .limit(1)
      .offset(offset)
      .executeTakeFirst();
    const value = row?.[column];
    return value === null || value === undefined ? null : Number(value);
  };
  return { p50: await at(0.5), p95: await at(0.95), p99: await at(0.99), mean };
}

// The request log has no cache column until the gateway's cache records one; look once, then
// count hits when it does (a text outcome such as "hit"/"miss", or a 0/1 flag).
const cacheColumns = new WeakMap<MetadataStore, Promise<string | null>>();
const CACHE_COLUMN_NAMES = ["cache", "cache_status", "cache_hit", "cached"];

async function cacheStats(store: MetadataStore, where: Where): Promise<Overview["cache"]> {
  let found = cacheColumns.get(store);
  if (!found) {
    found = store.db.introspection
      .getTables()
      .then((tables) => {
        const columns = tables.find((t) => t.name === "requests")?.columns.map((c) => c.name) ?? [];
        return CACHE_COLUMN_NAMES.find((name) => columns.includes(name)) ?? null;
      })
      .catch(() => null);
    cacheColumns.set(store, found);
  }
  const column = await found;
  if (!column) return null;
  const ref = sql.ref(column);
  const row = await store.db
    .selectFrom("requests")
    .select([
      sql<number>`sum(case when ${ref} is not null then 1 else 0 end)`.as("lookups"),
      sql<number>`sum(case when cast(${ref} as text) in ('hit', 'exact', 'semantic', '1', 'true') then 1 else 0 end)`.as(
        "hits",
      ),
    ])
    .where(where)
    .executeTakeFirst();
  const lookups = Number(row?.lookups ?? 0);
  const hits = Number(row?.hits ?? 0);
  return { hits, lookups, hitRate: lookups ? hits / lookups : 0 };
}

function fillSeries(points: SeriesPoint[], since: string, until: string, bucket: "minute" | "hour"): SeriesPoint[] {
  const step = bucket === "minute" ? 60_000 : 3_600_000;
  const width = bucket === "minute" ? 16 : 13;
  const byKey = new Map(points.map((p) => [p.t, p]));
  const out: SeriesPoint[] = [];
  const start = Math.floor(Date.parse(since) / step) * step;
  for (let t = start; t <= Date.parse(until); t += step) {
    const key = new Date(t).toISOString().slice(0, width);
    const found = byKey.get(key);
    out.push(
      found
        ? { ...found, t: new Date(t).toISOString() }
        : { t: new Date(t).toISOString(), requests: 0, errors: 0, meanLatency: null, maxLatency: null, tokens: 0 },
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The request log, filtered and paged newest first with a cursor (the last id of the page before).

export const traceQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().min(1).max(64).optional(),
  model: z.string().min(1).max(200).optional(),
  version: z.string().min(1).max(200).optional(),
  route: z.string().min(1).max(200).optional(),
  key_id: z.string().min(1).max(64).optional(),
  status: z
    .string()
    .regex(/^(\d{3}|[1-5]xx|ok|error)$/, "use a status code (e.g. 404), a class (4xx) or ok / error")
    .optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  min_latency_ms: z.coerce.number().min(0).optional(),
});
export type TraceQuery = z.input<typeof traceQuerySchema>;

export interface TracePage {
  data: RequestRow[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  next_cursor: string | null;
  /** Rows matching the filters; counted up to COUNT_CAP. */
  total: number;
  total_capped: boolean;
}

const COUNT_CAP = 1_000_000;

export function traceFilters(q: z.output<typeof traceQuerySchema>): Where {
  return (eb) => {
    const parts: Expression<SqlBool>[] = [];
    if (q.model) parts.push(eb("model", "=", q.model));
    if (q.version) parts.push(eb("model_version", "=", q.version));
    if (q.route) parts.push(eb("route", "=", q.route));
    if (q.key_id) parts.push(eb("key_id", "=", q.key_id));
    if (q.status) {
      const s = q.status;
      if (/^\d{3}$/.test(s)) parts.push(eb("status", "=", Number(s)));
      else if (s === "ok") parts.push(eb("status", "<", 400));
      else if (s === "error") parts.push(eb("status", ">=", 400));
      else {
        const from = Number(s[0]) * 100;
        parts.push(eb.and([eb("status", ">=", from), eb("status", "<", from + 100)]));
      }
    }
    if (q.since) parts.push(eb("at", ">=", new Date(q.since).toISOString()));
    if (q.until) parts.push(eb("at", "<=", new Date(q.until).toISOString()));
    if (q.min_latency_ms !== undefined) parts.push(eb("latency_ms", ">=", q.min_latency_ms));
    return eb.and(parts);
  };
}

export async function listTraces(store: MetadataStore, query: unknown): Promise<TracePage> {
  const q = parseOrThrow(traceQuerySchema, query ?? {}, "query");
  const where = traceFilters(q);
  let select = store.db
    .selectFrom("requests")
    .selectAll()
    .where(where)
    .orderBy("id", "desc")
    .limit(q.limit + 1);
  if (q.before) select = select.where("id", "<", q.before);
  const rows = await select.execute();
  const more = rows.length > q.limit;
  const data = more ? rows.slice(0, q.limit) : rows;
  // Count through a capped subquery so a filter matching millions of rows stays bounded.
  const counted = await store.db
    .selectFrom((eb) => eb.selectFrom("requests").select("id").where(where).limit(COUNT_CAP).as("m"))
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirst();
  const total = Number(counted?.n ?? 0);
  return { data, next_cursor: more ? (data.at(-1)?.id ?? null) : null, total, total_capped: total >= COUNT_CAP };
}

export interface TraceDetail {
  request: RequestRow;
  key: { id: string; name: string; role: string } | null;
  breakdown: {
    /** Time to first token: queueing, routing, prompt evaluation. Null for non-streamed answers. */
    firstTokenMs: number | null;
    /** The rest of the request after the first token: generation and sending. */
    generationMs: number | null;
    totalMs: number;
    completionTokensPerSecond: number | null;
  };
}

export async function traceDetail(store: MetadataStore, id: string): Promise<TraceDetail> {
  const request = await store.db.selectFrom("requests").selectAll().where("id", "=", id).executeTakeFirst();
  if (!request)
    throw notFound(`No request ${id} in the request log; list recent ones with GET /api/v1/stats/requests.`);
  const key = request.key_id
    ? ((await store.db
        .selectFrom("api_keys")
        .select(["id", "name", "role"])
        .where("id", "=", request.key_id)
        .executeTakeFirst()) ?? null)
    : null;
  const total = Number(request.latency_ms);
  const ttft = request.ttft_ms === null ? null : Number(request.ttft_ms);
  const generation = ttft === null ? null : Math.max(0, total - ttft);
  const tokens = request.completion_tokens;
  const genSeconds = (generation ?? total) / 1000;
  return {
    request,
    key,
    breakdown: {
      firstTokenMs: ttft,
      generationMs: generation,
      totalMs: total,
      completionTokensPerSecond: tokens && genSeconds > 0 ? tokens / genSeconds : null,
    },
  };
}

/** Distinct values for the Traces page's filter menus (bounded). */
export async function traceFacets(
  store: MetadataStore,
): Promise<{ models: string[]; versions: string[]; routes: string[] }> {
  const distinct = async (column: "model" | "model_version" | "route") =>
    (
      await store.db
        .selectFrom("requests")
        .select(column)
        .distinct()
        .where(column, "is not", null)
        .orderBy(column)
        .limit(200)
        .execute()
    ).map((r) => String(r[column]));
  return {
    models: await distinct("model"),
    versions: await distinct("model_version"),
    routes: await distinct("route"),
  };
}
