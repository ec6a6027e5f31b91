// The dashboard's only way out: GET/POST on /api/v1 with the signed-in key. A 404 that the server
// answers with "no route …" means the endpoint has not landed in this build of llmops: pages show
// "not available yet" for it instead of an error.
import { useCallback, useEffect, useRef, useState } from "react";

const KEY_STORAGE = "llmops.key";

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}
export function storeKey(key: string | null): void {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
  ) {
    super(message);
  }
  /** The endpoint does not exist on this server (an API that has not landed yet). */
  get unavailable(): boolean {
    return this.status === 404 && /^no route /.test(this.message);
  }
}

export async function api<T>(path: string, init: { method?: string; body?: unknown; key?: string } = {}): Promise<T> {
  const key = init.key ?? storedKey();
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`/api/v1${path}`, {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: handled below
  }
  if (!response.ok) {
    const error = (json as { error?: { message?: string; code?: string } } | null)?.error;
    throw new ApiError(response.status, error?.message ?? `HTTP ${response.status}`, error?.code ?? null);
  }
  return json as T;
}

export interface Loaded<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload(): void;
}

/** Loads `path` (null: nothing to load) and reloads it every `refreshMs` when given. */
export function useApi<T>(path: string | null, refreshMs?: number): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: ApiError | null; loading: boolean }>({
    data: null,
    error: null,
    loading: path !== null,
  });
  const [tick, setTick] = useState(0);
  const current = useRef(path);
  current.current = path;

  // biome-ignore lint/correctness/useExhaustiveDependencies: tick forces a reload
  useEffect(() => {
    if (path === null) {
      setState({ data: null, error: null, loading: false });
      return;
    }
    let cancelled = false;
    setState((s) => ({ ...s, loading: true }));
    api<T>(path)
      .then((data) => {
        if (!cancelled) setState({ data, error: null, loading: false });
      })
      .catch((error: unknown) => {
        if (cancelled) return;
        const e = error instanceof ApiError ? error : new ApiError(0, String((error as Error)?.message ?? error), null);
        setState({ data: null, error: e, loading: false });
      });
    return () => {
      cancelled = true;
    };
  }, [path, tick]);

  useEffect(() => {
    if (!refreshMs || path === null) return;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") setTick((t) => t + 1);
    }, refreshMs);
    return () => clearInterval(timer);
  }, [path, refreshMs]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

const NO_ROUTE = (path: string) => new ApiError(404, `no route GET /api/v1${path}`, "not_found");

/**
 * Like useApi for an API that may not have landed on this server: when /api/v1/me says it is
 * missing, nothing is fetched (no 404 in the browser console) and the result is "unavailable".
 */
export function useOptionalApi<T>(me: Me, path: string, refreshMs?: number, api?: string): Loaded<T> {
  const base = api ?? `/api/v1${path.split(/[?/]/).slice(0, 2).join("/")}`;
  const present = me.apis?.[base] !== false;
  const loaded = useApi<T>(present ? path : null, refreshMs);
  return present ? loaded : { data: null, error: NO_ROUTE(path), loading: false, reload: loaded.reload };
}

// ---- response shapes (what the server sends; only the fields the pages read) ----

export interface Me {
  key_id: string;
  name: string;
  role: string;
  permissions: string[];
  roles: Record<string, string[]>;
  /** Optional APIs (e.g. "/api/v1/evals") and whether this server has them. */
  apis?: Record<string, boolean>;
}

export interface List<T> {
  object: "list";
  data: T[];
}

export interface LatencySummary {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  mean: number | null;
}

export interface Overview {
  window: string;
  since: string;
  until: string;
  bucket: "minute" | "hour";
  requests: number;
  errors: number;
  errorRate: number;
  statuses: Record<string, number>;
  latency: LatencySummary;
  ttft: LatencySummary;
  tokens: { prompt: number; completion: number };
  cache: { hits: number; lookups: number; hitRate: number } | null;
  versions: Array<{
    model: string;
    requests: number;
    errors: number;
    errorRate: number;
    p50: number | null;
    p95: number | null;
    promptTokens: number;
    completionTokens: number;
  }>;
  series: Array<{
    t: string;
    requests: number;
    errors: number;
    meanLatency: number | null;
    maxLatency: number | null;
    tokens: number;
  }>;
  previous: { requests: number; errorRate: number; p50: number | null };
}

export interface RequestRow {
  id: string;
  at: string;
  key_id: string | null;
  route: string;
  model: string | null;
  model_version: string | null;
  upstream: string | null;
  status: number;
  error_code: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  latency_ms: number;
  ttft_ms: number | null;
  stream: number;
}

export interface TracePage {
  data: RequestRow[];
  next_cursor: string | null;
  total: number;
  total_capped: boolean;
  took_ms: number;
}

export interface TraceDetail {
  request: RequestRow;
  key: { id: string; name: string; role: string } | null;
  breakdown: {
    firstTokenMs: number | null;
    generationMs: number | null;
    totalMs: number;
    completionTokensPerSecond: number | null;
  };
  /** The captured prompt and answer (`capture:` on), already redacted by `redaction`; null when none is stored. */
  body: { prompt: string | null; response: string | null; redaction: string } | null;
  body_note?: string | null;
}

export interface ModelInfo {
  name: string;
  description: string | null;
  createdAt: string;
  createdBy: string;
  latestVersion: number;
  versionCount: number;
  aliases: Record<string, number>;
}

export interface ModelVersion {
  id: string;
  name: string;
  version: number;
  ref: string;
  artifactHash: string;
  sizeBytes: number;
  format: string;
  architecture: string | null;
  parameterCount: number | null;
  quantization: string | null;
  contextLength: number | null;
  vocabSize: number | null;
  metadata: Record<string, unknown>;
  lineage: {
    sourceFile?: string;
    parent?: string;
    runId?: string;
    datasetVersions?: string[];
    gitCommit?: string;
    [key: string]: unknown;
  };
  tags: Record<string, string>;
  description: string | null;
  aliases: string[];
  createdAt: string;
  createdBy: string;
}

export interface AliasEvent {
  id: string;
  model: string;
  alias: string;
  kind: string;
  fromVersion: number | null;
  toVersion: number | null;
  actor: string;
  reason: string | null;
  at: string;
}

export interface DatasetInfo {
  name: string;
  description: string | null;
  createdAt: string;
  createdBy: string;
  latestVersion: number;
  versionCount: number;
}

export interface StepReport {
  step: string;
  options: Record<string, unknown>;
  rowsIn: number;
  rowsOut: number;
  dropped: Record<string, number>;
  seconds: number;
  stats: Record<string, unknown>;
}

export interface DatasetVersion {
  id: string;
  name: string;
  version: number;
  ref: string;
  contentHash: string;
  rowCount: number;
  bytes: number;
  storedBytes: number;
  shardCount: number;
  textField: string | null;
  schema: { fields: Record<string, { types: string[]; nullable: boolean; present: number }> };
  lineage: {
    sources?: Array<{ file: string; format: string; rows: number; bytes: number; sha256: string }>;
    input?: { ref: string };
    pipeline?: { name: string | null; sha256: string };
    steps?: StepReport[];
    [key: string]: unknown;
  };
  stats: Record<string, unknown>;
  description: string | null;
  createdAt: string;
  createdBy: string;
  encrypted: boolean;
  erasedAt: string | null;
}

export interface DatasetReport {
  generatedAt: string;
  textField: string;
  length: {
    rowsWithText: number;
    min: number | null;
    max: number | null;
    mean: number | null;
    quantiles: Record<string, number>;
    histogram: Array<{ from: number; to: number; count: number }>;
  };
  languages: Record<string, number>;
  duplicates: { exact: number; exactRate: number; near: number | null; nearRate: number | null };
  pii: { rowsWithPii: number; rowRate: number; byType: Record<string, number> } | null;
  outliers: { iqr: { count: number }; robustZ: { count: number } };
}

export interface Run {
  id: string;
  name: string | null;
  status: string;
  source: string;
  params: Record<string, unknown>;
  dataset: Record<string, unknown>;
  gitCommit: string | null;
  summary: Record<string, unknown>;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface RunEvent {
  id: string;
  step: number | null;
  kind: string;
  severity: "info" | "warning" | "error";
  message: string;
  at: string;
}

export interface MetricSeries {
  split: string;
  name: string;
  steps: number[];
  values: Array<number | null>;
}

export interface AuditEvent {
  seq: number;
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
  hash: string;
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  headSeq: number;
  headHash: string;
  problem: { seq: number; reason: string } | null;
}

export interface ApiKeyInfo {
  id: string;
  name: string;
  role: string;
  prefix: string;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

// ---- explanations (POST /api/v1/explain; shape in docs/explainability.md) ----

export interface ExplainRequest {
  model: string;
  prompt: string;
  target?: string;
  method: string;
  group: "token" | "word" | "sentence";
  seed: number;
  budget: number;
  max_tokens?: number;
}

export interface ExplanationFeature {
  index: number;
  text: string;
  start: number;
  end: number;
  score: number;
}

export interface Explanation {
  object: "explanation";
  model: string;
  method: string;
  methodKind: "black-box" | "gradient";
  methodDescription: string;
  unit: string;
  group: string;
  prompt: string;
  target: string;
  targetSource: "given" | "greedy";
  features: ExplanationFeature[];
  logprob: { full: number; empty: number };
  faithfulness: {
    deletion: { aopc: number };
    insertion: { aopc: number };
    random?: { orders: number; deletionAopc: number; insertionAopc: number };
    steps: number;
  };
  truncated: boolean;
  notes: string[];
  summary: string;
  cost: { calls: number; cacheHits: number; seconds: number };
}

export function explain(body: ExplainRequest): Promise<Explanation> {
  return api<Explanation>("/explain", { method: "POST", body: { ...body, format: "json" } });
}

/** The same explanation as the server's standalone HTML page (format "html"), for download. */
export async function explainHtml(body: ExplainRequest): Promise<string> {
  const key = storedKey();
  const response = await fetch("/api/v1/explain", {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ ...body, format: "html" }),
  });
  const text = await response.text();
  if (!response.ok) {
    let message = `HTTP ${response.status}`;
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
    } catch {
      // not JSON: keep the status
    }
    throw new ApiError(response.status, message, null);
  }
  return text;
}
