// Aggregates over the gateway's request log for the dashboard: totals, latency percentiles and a
// time series over a window, and a filtered, keyset-paginated log. Portable SQL only (SQLite and
// PostgreSQL): time buckets are prefixes of the ISO-8601 `at` strings; percentiles are computed in
// the process, exactly for small windows and from a ULID-suffix sample of ~20k rows for large ones.
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
  /** Null when percentiles are exact; else how many rows of the window they were computed from. */
  sample: { rows: number; of: number } | null;
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
  const bucket = span <= 6 * 3_600_000 ? "minute" : "hour";
  const cache = await cacheStats(store, inWindow);
  const count = async (where: Where) =>
    Number(
      (
        await db
          .selectFrom("requests")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .where(where)
          .executeTakeFirst()
      )?.n ?? 0,
    );
  const n = await count(inWindow);
  const prevN = await count(inPrevious);

  // Small windows: the rows themselves, everything exact, in one pass.
  if (n <= EXACT_ROWS && prevN <= EXACT_ROWS) {
    const [rows, prevRows] = await Promise.all([
      db
        .selectFrom("requests")
        .select(["at", "status", "latency_ms", "ttft_ms", "model_version", "prompt_tokens", "completion_tokens"])
        .where(inWindow)
        .execute(),
      db.selectFrom("requests").select(["status", "latency_ms"]).where(inPrevious).execute(),
    ]);
    return { window, since, until, ...summarise(rows, prevRows, since, until, bucket), sample: null, cache };
  }

  // Large windows: counts, sums and the series come from ONE grouped scan (by time bucket and
  // version; exact), reduced here; percentiles come from a uniform sample of about EXACT_ROWS rows,
  // picked by the last character of the ULID (random bits) — moving every row into the process
  // costs far more than aggregating it in the database.
  const width = bucket === "minute" ? 16 : 13; // "2026-01-02T03:04" or "2026-01-02T03"
  const key = sql<string>`substr(at, 1, ${sql.lit(width)})`;
  const between = (eb: ExpressionBuilder<Database, "requests">, from: number, to: number) =>
    eb.fn.sum<number>(
      eb
        .case()
        .when(eb.and([eb("status", ">=", from), eb("status", "<", to)]))
        .then(1)
        .else(0)
        .end(),
    );
  const groups = await db
    .selectFrom("requests")
    .select((eb) => [
      key.as("t"),
      "model_version",
      eb.fn.countAll<number>().as("n"),
      between(eb, 400, 600).as("errors"),
      between(eb, 200, 300).as("s2"),
      between(eb, 300, 400).as("s3"),
      between(eb, 400, 500).as("s4"),
      between(eb, 500, 600).as("s5"),
      eb.fn.sum<number>("latency_ms").as("lat_sum"),
      eb.fn.max("latency_ms").as("lat_max"),
      eb.fn.sum<number>("ttft_ms").as("ttft_sum"),
      eb.fn.count<number>("ttft_ms").as("ttft_n"),
      eb.fn.sum<number>("prompt_tokens").as("prompt"),
      eb.fn.sum<number>("completion_tokens").as("completion"),
    ])
    .where(inWindow)
    .groupBy([key, "model_version"])
    .execute();
  const num = (v: unknown) => Number(v ?? 0);
  const totals = {
    requests: 0,
    errors: 0,
    statuses: { "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0 },
    latSum: 0,
    ttftSum: 0,
    ttftN: 0,
    prompt: 0,
    completion: 0,
  };
  const perVersion = new Map<string, { n: number; errors: number; prompt: number; completion: number }>();
  const perBucket = new Map<string, SeriesPoint & { sum: number }>();
  for (const g of groups) {
    const count = num(g.n);
    totals.requests += count;
    totals.errors += num(g.errors);
    totals.statuses["2xx"] += num(g.s2);
    totals.statuses["3xx"] += num(g.s3);
    totals.statuses["4xx"] += num(g.s4);
    totals.statuses["5xx"] += num(g.s5);
    totals.latSum += num(g.lat_sum);
    totals.ttftSum += num(g.ttft_sum);
    totals.ttftN += num(g.ttft_n);
    totals.prompt += num(g.prompt);
    totals.completion += num(g.completion);
    if (g.model_version !== null) {
      const v = perVersion.get(g.model_version) ?? { n: 0, errors: 0, prompt: 0, completion: 0 };
      perVersion.set(g.model_version, v);
      v.n += count;
      v.errors += num(g.errors);
      v.prompt += num(g.prompt);
      v.completion += num(g.completion);
    }
    const b = perBucket.get(g.t) ?? {
      t: g.t,
      requests: 0,
      errors: 0,
      meanLatency: null,
      maxLatency: null,
      tokens: 0,
      sum: 0,
    };
    perBucket.set(g.t, b);
    b.requests += count;
    b.errors += num(g.errors);
    b.sum += num(g.lat_sum);
    b.maxLatency = Math.max(b.maxLatency ?? 0, num(g.lat_max));
    b.tokens += num(g.prompt) + num(g.completion);
  }
  const prevTotals = await aggregate(store, inPrevious);
  const sampleOf = (where: Where, total: number) => {
    const chars = ULID_CHARS.slice(0, Math.max(1, Math.ceil((32 * EXACT_ROWS) / Math.max(1, total))));
    return db
      .selectFrom("requests")
      .select(["latency_ms", "ttft_ms", "model_version", "status"])
      .where(where)
      .where(sql<string>`substr(id, 26, 1)`, "in", [...chars])
      .execute();
  };
  const sample = await sampleOf(inWindow, n);
  const prevSample = prevN > 0 ? await sampleOf(inPrevious, prevN) : [];
  const ttfts = sample.filter((r) => r.ttft_ms !== null).map((r) => Number(r.ttft_ms));
  const okLatencies = new Map<string, number[]>();
  for (const r of sample) {
    if (r.model_version === null || r.status >= 400) continue;
    const list = okLatencies.get(r.model_version) ?? [];
    if (list.length === 0) okLatencies.set(r.model_version, list);
    list.push(Number(r.latency_ms));
  }
  const versions: VersionStats[] = [...perVersion.entries()]
    .sort((a, b) => b[1].n - a[1].n)
    .slice(0, 8)
    .map(([model, v]) => {
      // Latency of successful answers only: a fast 503 should not make a version look quick.
      const p = ranks(okLatencies.get(model) ?? [], null);
      return {
        model,
        requests: v.n,
        errors: v.errors,
        errorRate: v.n ? v.errors / v.n : 0,
        p50: p.p50,
        p95: p.p95,
        promptTokens: v.prompt,
        completionTokens: v.completion,
      };
    });
  const series = fillSeries(
    [...perBucket.values()].map(({ sum, ...point }) => ({
      ...point,
      meanLatency: point.requests ? sum / point.requests : null,
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
    requests: totals.requests,
    errors: totals.errors,
    errorRate: totals.requests ? totals.errors / totals.requests : 0,
    statuses: totals.statuses,
    latency: ranks(
      sample.map((r) => Number(r.latency_ms)),
      totals.requests ? totals.latSum / totals.requests : null,
    ),
    ttft: ranks(ttfts, totals.ttftN ? totals.ttftSum / totals.ttftN : null),
    tokens: { prompt: totals.prompt, completion: totals.completion },
    cache,
    versions,
    series,
    previous: {
      requests: prevTotals.requests,
      errorRate: prevTotals.requests ? prevTotals.errors / prevTotals.requests : 0,
      p50: ranks(
        prevSample.map((r) => Number(r.latency_ms)),
        null,
      ).p50,
    },
    sample: { rows: sample.length, of: totals.requests },
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

/** Up to this many rows a window is summarised exactly; above it percentiles are sampled. */
const EXACT_ROWS = 20_000;
const ULID_CHARS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

type WindowRow = Pick<
  RequestRow,
  "at" | "status" | "latency_ms" | "ttft_ms" | "model_version" | "prompt_tokens" | "completion_tokens"
>;

/** Everything the overview shows, from the rows of the window (and the one before) in one pass each. */
function summarise(
  rows: WindowRow[],
  prevRows: Array<Pick<RequestRow, "status" | "latency_ms">>,
  since: string,
  until: string,
  bucket: "minute" | "hour",
): Omit<Overview, "window" | "since" | "until" | "cache" | "sample"> {
  const width = bucket === "minute" ? 16 : 13;
  const statuses = { "2xx": 0, "3xx": 0, "4xx": 0, "5xx": 0 };
  const latencies = new Float64Array(rows.length);
  const ttfts: number[] = [];
  let errors = 0;
  let prompt = 0;
  let completion = 0;
  let latencySum = 0;
  const perVersion = new Map<string, { n: number; errors: number; prompt: number; completion: number; ok: number[] }>();
  const perBucket = new Map<string, SeriesPoint & { sum: number; count: number }>();
  rows.forEach((r, i) => {
    const latency = Number(r.latency_ms);
    latencies[i] = latency;
    latencySum += latency;
    if (r.ttft_ms !== null) ttfts.push(Number(r.ttft_ms));
    const failed = r.status >= 400;
    if (failed) errors++;
    const cls = `${Math.floor(r.status / 100)}xx`;
    if (cls in statuses) statuses[cls as keyof typeof statuses]++;
    const p = Number(r.prompt_tokens ?? 0);
    const c = Number(r.completion_tokens ?? 0);
    prompt += p;
    completion += c;
    if (r.model_version !== null) {
      const v = perVersion.get(r.model_version) ?? { n: 0, errors: 0, prompt: 0, completion: 0, ok: [] };
      if (v.n === 0) perVersion.set(r.model_version, v);
      v.n++;
      v.prompt += p;
      v.completion += c;
      if (failed) v.errors++;
      else v.ok.push(latency);
    }
    const key = r.at.slice(0, width);
    const b = perBucket.get(key) ?? {
      t: key,
      requests: 0,
      errors: 0,
      meanLatency: null,
      maxLatency: null,
      tokens: 0,
      sum: 0,
      count: 0,
    };
    if (b.requests === 0) perBucket.set(key, b);
    b.requests++;
    if (failed) b.errors++;
    b.sum += latency;
    b.maxLatency = Math.max(b.maxLatency ?? 0, latency);
    b.tokens += p + c;
  });
  const n = rows.length;
  const versions: VersionStats[] = [...perVersion.entries()]
    .sort((a, b) => b[1].n - a[1].n)
    .slice(0, 8)
    .map(([model, v]) => {
      const p = ranks(v.ok, null);
      return {
        model,
        requests: v.n,
        errors: v.errors,
        errorRate: v.n ? v.errors / v.n : 0,
        p50: p.p50,
        p95: p.p95,
        promptTokens: v.prompt,
        completionTokens: v.completion,
      };
    });
  const points = [...perBucket.values()].map(({ sum, count: _count, ...point }) => ({
    ...point,
    meanLatency: point.requests ? sum / point.requests : null,
  }));
  const prevErrors = prevRows.filter((r) => r.status >= 400).length;
  return {
    bucket,
    requests: n,
    errors,
    errorRate: n ? errors / n : 0,
    statuses,
    latency: ranks(latencies, n ? latencySum / n : null),
    ttft: ranks(ttfts, ttfts.length ? ttfts.reduce((a, b) => a + b, 0) / ttfts.length : null),
    tokens: { prompt, completion },
    versions,
    series: fillSeries(points, since, until, bucket),
    previous: {
      requests: prevRows.length,
      errorRate: prevRows.length ? prevErrors / prevRows.length : 0,
      p50: ranks(
        prevRows.map((r) => Number(r.latency_ms)),
        null,
      ).p50,
    },
  };
}

/** Nearest-rank percentiles of values in memory. */
function ranks(values: ArrayLike<number>, mean: number | null): LatencySummary {
  if (values.length === 0) return { p50: null, p95: null, p99: null, mean };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), mean };
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
