// One drift check: the reference window (just before the current one) against the current window,
// feature by feature, with the test Evidently would pick — KS (numeric) / chi-squared (categorical;
// a two-proportion Z-test when there are exactly two categories)
// while the reference has at most `small_sample_max` rows, normed Wasserstein / Jensen–Shannon above
// that. The token distribution always uses Jensen–Shannon (tokens of one prompt are not independent
// draws, so a chi-squared test on token counts would call every difference significant), and
// embeddings compare the windows' mean vectors by cosine distance.
import { ulid } from "ulid";
import type { MetadataStore } from "../../store/metadata/types.js";
import type { DriftConfig } from "./config.js";
import type { FeatureRow } from "./features.js";
import { chiSquaredTwoSample } from "./stats/chi-squared.js";
import { jensenShannonDistance } from "./stats/jensen-shannon.js";
import { ksTwoSample } from "./stats/ks.js";
import { wassersteinNormed } from "./stats/wasserstein.js";
import { proportionZTest } from "./stats/z-test.js";

export const DRIFT_FEATURES = [
  "prompt_length",
  "token_distribution",
  "language",
  "output_length",
  "refusal_rate",
  "embedding_centroid",
] as const;
export type DriftFeature = (typeof DRIFT_FEATURES)[number];
export type DriftTest = "ks" | "chi_squared" | "z_test" | "wasserstein" | "jensen_shannon" | "cosine";

export interface FeatureDrift {
  feature: DriftFeature;
  /** ok: tested; insufficient_data: fewer than min_samples values in a window (nothing concluded). */
  status: "ok" | "insufficient_data";
  test: DriftTest | null;
  /** The value compared with the threshold: a p-value (ks, chi_squared; drift when below) or a distance (drift when above). */
  score: number | null;
  threshold: number | null;
  drifted: boolean;
  reference_n: number;
  current_n: number;
  /** Plain numbers behind the verdict: means for lengths, shares for categories. */
  reference: Record<string, number>;
  current: Record<string, number>;
}

export interface DriftReport {
  id: string;
  at: string;
  reference: { from: string; to: string; n: number };
  current: { from: string; to: string; n: number };
  /** True when any feature drifted. */
  drifted: boolean;
  features: FeatureDrift[];
}

type Row = Pick<FeatureRow, "prompt_chars" | "lang" | "token_buckets" | "output_chars" | "refusal" | "embedding">;

async function windowRows(store: MetadataStore, from: string, to: string, max: number): Promise<Row[]> {
  return store.db
    .selectFrom("monitor_features")
    .select(["prompt_chars", "lang", "token_buckets", "output_chars", "refusal", "embedding"])
    .where("at", ">=", from)
    .where("at", "<", to)
    .orderBy("at", "desc")
    .limit(max)
    .execute();
}

const mean = (values: readonly number[]) => (values.length ? values.reduce((s, v) => s + v, 0) / values.length : 0);
const round = (v: number) => Math.round(v * 10_000) / 10_000;

function counts(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

function shares(c: Record<string, number>): Record<string, number> {
  const total = Object.values(c).reduce((s, v) => s + v, 0);
  return Object.fromEntries(Object.entries(c).map(([k, v]) => [k, total ? round(v / total) : 0]));
}

function insufficient(feature: DriftFeature, referenceN: number, currentN: number): FeatureDrift {
  return {
    feature,
    status: "insufficient_data",
    test: null,
    score: null,
    threshold: null,
    drifted: false,
    reference_n: referenceN,
    current_n: currentN,
    reference: {},
    current: {},
  };
}

function numeric(feature: DriftFeature, ref: number[], cur: number[], config: DriftConfig): FeatureDrift {
  if (ref.length < config.min_samples || cur.length < config.min_samples) {
    return insufficient(feature, ref.length, cur.length);
  }
  const small = ref.length <= config.small_sample_max;
  const score = small ? ksTwoSample(ref, cur).pValue : wassersteinNormed(ref, cur);
  const threshold = small ? config.thresholds.p_value : config.thresholds.wasserstein;
  return {
    feature,
    status: "ok",
    test: small ? "ks" : "wasserstein",
    score,
    threshold,
    drifted: small ? score < threshold : score > threshold,
    reference_n: ref.length,
    current_n: cur.length,
    reference: { mean: round(mean(ref)) },
    current: { mean: round(mean(cur)) },
  };
}

function categorical(feature: DriftFeature, ref: string[], cur: string[], config: DriftConfig): FeatureDrift {
  if (ref.length < config.min_samples || cur.length < config.min_samples) {
    return insufficient(feature, ref.length, cur.length);
  }
  const small = ref.length <= config.small_sample_max;
  const rc = counts(ref);
  const cc = counts(cur);
  const categories = [...new Set([...Object.keys(rc), ...Object.keys(cc)])];
  // Binary features (as Evidently): a two-proportion Z-test instead of chi-squared.
  const binary = small && categories.length === 2;
  const first = categories[0]!;
  const score = binary
    ? proportionZTest(rc[first] ?? 0, ref.length, cc[first] ?? 0, cur.length).pValue
    : small
      ? chiSquaredTwoSample(rc, cc).pValue
      : jensenShannonDistance(rc, cc);
  const threshold = small ? config.thresholds.p_value : config.thresholds.jensen_shannon;
  return {
    feature,
    status: "ok",
    test: binary ? "z_test" : small ? "chi_squared" : "jensen_shannon",
    score,
    threshold,
    drifted: small ? score < threshold : score > threshold,
    reference_n: ref.length,
    current_n: cur.length,
    reference: shares(rc),
    current: shares(cc),
  };
}

function tokenDistribution(ref: Row[], cur: Row[], config: DriftConfig): FeatureDrift {
  const sum = (rows: Row[]) => {
    const out: Record<string, number> = {};
    for (const row of rows) {
      for (const [k, v] of Object.entries(JSON.parse(row.token_buckets) as Record<string, number>))
        out[k] = (out[k] ?? 0) + v;
    }
    return out;
  };
  const withTokens = (rows: Row[]) => rows.filter((r) => r.token_buckets !== "{}");
  const r = withTokens(ref);
  const c = withTokens(cur);
  if (r.length < config.min_samples || c.length < config.min_samples)
    return insufficient("token_distribution", r.length, c.length);
  const rs = sum(r);
  const cs = sum(c);
  const score = jensenShannonDistance(rs, cs);
  const total = (s: Record<string, number>) => Object.values(s).reduce((a, b) => a + b, 0);
  return {
    feature: "token_distribution",
    status: "ok",
    test: "jensen_shannon",
    score,
    threshold: config.thresholds.jensen_shannon,
    drifted: score > config.thresholds.jensen_shannon,
    reference_n: r.length,
    current_n: c.length,
    reference: { tokens: total(rs), buckets: Object.keys(rs).length },
    current: { tokens: total(cs), buckets: Object.keys(cs).length },
  };
}

function centroid(rows: Row[]): number[] | undefined {
  let sum: number[] | undefined;
  let n = 0;
  for (const row of rows) {
    if (row.embedding === null) continue;
    const v = JSON.parse(row.embedding) as number[];
    if (sum === undefined) sum = new Array<number>(v.length).fill(0);
    if (v.length !== sum.length) continue; // the embedding model changed: skip mismatched vectors
    for (let i = 0; i < v.length; i++) sum[i]! += v[i]!;
    n++;
  }
  return sum?.map((s) => s / n);
}

export function cosineDistance(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * (b[i] ?? 0);
    na += a[i]! ** 2;
    nb += (b[i] ?? 0) ** 2;
  }
  return na === 0 || nb === 0 ? 0 : 1 - dot / Math.sqrt(na * nb);
}

function embeddingCentroid(ref: Row[], cur: Row[], config: DriftConfig): FeatureDrift | undefined {
  const r = ref.filter((row) => row.embedding !== null);
  const c = cur.filter((row) => row.embedding !== null);
  if (r.length === 0 && c.length === 0) return undefined; // no embedding model configured
  if (r.length < config.min_samples || c.length < config.min_samples)
    return insufficient("embedding_centroid", r.length, c.length);
  const score = cosineDistance(centroid(r) ?? [], centroid(c) ?? []);
  return {
    feature: "embedding_centroid",
    status: "ok",
    test: "cosine",
    score,
    threshold: config.thresholds.embedding_cosine,
    drifted: score > config.thresholds.embedding_cosine,
    reference_n: r.length,
    current_n: c.length,
    reference: {},
    current: {},
  };
}

/** Compares the windows ending at `now`; reads at most `max_rows` rows of each. */
export async function runDriftCheck(
  store: MetadataStore,
  config: DriftConfig,
  now: Date = new Date(),
): Promise<DriftReport> {
  const currentTo = new Date(now.getTime() + 1).toISOString(); // inclusive of rows stamped `now`
  const currentFrom = new Date(now.getTime() - config.current_window).toISOString();
  const referenceFrom = new Date(now.getTime() - config.current_window - config.reference_window).toISOString();
  const [ref, cur] = await Promise.all([
    windowRows(store, referenceFrom, currentFrom, config.max_rows),
    windowRows(store, currentFrom, currentTo, config.max_rows),
  ]);
  const outputs = (rows: Row[]) => rows.filter((r) => r.output_chars !== null);
  const features: FeatureDrift[] = [
    numeric(
      "prompt_length",
      ref.map((r) => r.prompt_chars),
      cur.map((r) => r.prompt_chars),
      config,
    ),
    tokenDistribution(ref, cur, config),
    categorical(
      "language",
      ref.map((r) => r.lang),
      cur.map((r) => r.lang),
      config,
    ),
    numeric(
      "output_length",
      outputs(ref).map((r) => r.output_chars ?? 0),
      outputs(cur).map((r) => r.output_chars ?? 0),
      config,
    ),
    categorical(
      "refusal_rate",
      ref.filter((r) => r.refusal !== null).map((r) => (r.refusal ? "refusal" : "answer")),
      cur.filter((r) => r.refusal !== null).map((r) => (r.refusal ? "refusal" : "answer")),
      config,
    ),
  ];
  const embedding = embeddingCentroid(ref, cur, config);
  if (embedding !== undefined) features.push(embedding);
  return {
    id: ulid(now.getTime()),
    at: now.toISOString(),
    reference: { from: referenceFrom, to: currentFrom, n: ref.length },
    current: { from: currentFrom, to: now.toISOString(), n: cur.length },
    drifted: features.some((f) => f.drifted),
    features,
  };
}
