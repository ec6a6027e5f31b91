// Load signals for the scale recommender, read the way Prometheus would: the control plane's list
// of live workers (/api/v1/workers), then each worker's /metrics (requests in flight and queued,
// the TTFT histogram, completion tokens). Two scrapes some seconds apart give rates and a p95
// over that interval.
import { LlmopsError } from "../errors.js";
import type { LoadSample } from "./scale-advice.js";

/** `name{labels} value` samples of the Prometheus text exposition format (comments skipped). */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parsePrometheusText(text: string): MetricSample[] {
  const out: MetricSample[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    }
    const value = m[3] === "+Inf" ? Number.POSITIVE_INFINITY : Number(m[3]);
    if (!Number.isNaN(value)) out.push({ name: m[1]!, labels, value });
  }
  return out;
}

export interface WorkerScrape {
  inFlight: number;
  queued: number;
  completionTokens: number;
  /** Cumulative TTFT histogram: upper bound → count. */
  ttftBuckets: Map<number, number>;
}

export function summariseWorker(samples: readonly MetricSample[]): WorkerScrape {
  const scrape: WorkerScrape = { inFlight: 0, queued: 0, completionTokens: 0, ttftBuckets: new Map() };
  for (const s of samples) {
    if (s.name === "llmops_worker_in_flight_requests") scrape.inFlight += s.value;
    else if (s.name === "llmops_worker_queued_requests") scrape.queued += s.value;
    else if (s.name === "llmops_worker_completion_tokens_total") scrape.completionTokens += s.value;
    else if (s.name === "llmops_worker_time_to_first_token_seconds_bucket") {
      const le = s.labels.le === "+Inf" ? Number.POSITIVE_INFINITY : Number(s.labels.le);
      scrape.ttftBuckets.set(le, (scrape.ttftBuckets.get(le) ?? 0) + s.value);
    }
  }
  return scrape;
}

/** p95 from the difference of two cumulative histograms (the upper bound of the bucket holding it). */
export function histogramQuantile(
  q: number,
  before: ReadonlyMap<number, number>,
  after: ReadonlyMap<number, number>,
): number | null {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const deltas = bounds.map((b) => Math.max(0, (after.get(b) ?? 0) - (before.get(b) ?? 0)));
  const total = deltas.at(-1) ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  for (let i = 0; i < bounds.length; i++) {
    if (deltas[i]! >= rank) {
      const upper = bounds[i]!;
      // Linear interpolation inside the bucket, as PromQL's histogram_quantile does.
      const lower = i === 0 ? 0 : bounds[i - 1]!;
      const below = i === 0 ? 0 : deltas[i - 1]!;
      if (!Number.isFinite(upper)) return lower;
      const inBucket = deltas[i]! - below;
      return inBucket <= 0 ? upper : lower + ((upper - lower) * (rank - below)) / inBucket;
    }
  }
  return bounds.at(-2) ?? null;
}

export interface WorkerInfo {
  url: string;
  model: string;
}

export interface LoadSource {
  /** Live workers and the model each serves (`name@version`). */
  workers(): Promise<WorkerInfo[]>;
  /** One worker's /metrics text. */
  metrics(worker: WorkerInfo): Promise<string>;
}

/** Reads workers through the control-plane API and scrapes each worker's /metrics over HTTP. */
export function httpLoadSource(controlPlaneUrl: string, apiKey: string, timeoutMs = 3_000): LoadSource {
  const base = controlPlaneUrl.replace(/\/+$/, "");
  return {
    async workers() {
      let response: Response;
      try {
        response = await fetch(`${base}/api/v1/workers`, {
          headers: { authorization: `Bearer ${apiKey}` },
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        throw new LlmopsError("unavailable", `cannot reach ${base}/api/v1/workers: ${(error as Error).message}`);
      }
      if (!response.ok) {
        throw new LlmopsError(
          response.status === 401 || response.status === 403 ? "unauthorized" : "unavailable",
          `${base}/api/v1/workers answered ${response.status}; pass a key with models:read (--key or LLMOPS_KEY)`,
        );
      }
      const body = (await response.json()) as { data?: Record<string, unknown>[] };
      return (body.data ?? []).map((w) => ({
        url: String(w.url),
        model:
          w.model_name === null || w.model_name === undefined ? String(w.url) : `${w.model_name}@${w.model_version}`,
      }));
    },
    async metrics(worker) {
      const origin = new URL(worker.url).origin;
      const response = await fetch(`${origin}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
      if (!response.ok) throw new LlmopsError("unavailable", `${origin}/metrics answered ${response.status}`);
      return response.text();
    },
  };
}

export interface ModelLoad {
  model: string;
  sample: LoadSample;
}

/**
 * Scrapes every worker twice, `intervalMs` apart, and returns one load sample per model. Workers
 * that cannot be scraped count as replicas with unknown load (they are reported, not dropped).
 */
export async function measureLoad(source: LoadSource, intervalMs: number, at: number): Promise<ModelLoad[]> {
  const workers = await source.workers();
  const scrape = async () =>
    Promise.all(
      workers.map(async (w) => {
        try {
          return summariseWorker(parsePrometheusText(await source.metrics(w)));
        } catch {
          return null;
        }
      }),
    );
  const first = await scrape();
  await new Promise((resolve) => setTimeout(resolve, intervalMs));
  const second = await scrape();

  const byModel = new Map<string, number[]>();
  workers.forEach((w, i) => {
    byModel.set(w.model, [...(byModel.get(w.model) ?? []), i]);
  });
  const seconds = intervalMs / 1000;
  return [...byModel.entries()].map(([model, indexes]) => {
    let inFlight = 0;
    let queued = 0;
    let tokens = 0;
    const before = new Map<number, number>();
    const after = new Map<number, number>();
    for (const i of indexes) {
      const a = first[i];
      const b = second[i];
      if (b === null || b === undefined) continue;
      inFlight += b.inFlight;
      queued += b.queued;
      if (a !== null && a !== undefined) {
        tokens += Math.max(0, b.completionTokens - a.completionTokens);
        for (const [le, n] of a.ttftBuckets) before.set(le, (before.get(le) ?? 0) + n);
      }
      for (const [le, n] of b.ttftBuckets) after.set(le, (after.get(le) ?? 0) + n);
    }
    return {
      model,
      sample: {
        at,
        replicas: indexes.length,
        inFlight,
        queued,
        ttftP95: histogramQuantile(0.95, before, after),
        tokensPerSecondPerWorker: tokens / seconds / indexes.length,
      },
    };
  });
}
