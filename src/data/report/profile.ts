// `data report`: one streaming pass over a version that profiles it (field nulls, text length
// distribution, language mix, exact and near duplicate rates, PII counts by type), finds length
// outliers (IQR fences and robust z-scores on the median and MAD), optionally perplexity outliers
// under a model, and checks validation rules.
// Memory: 4 bytes per row for lengths (exact quantiles and outliers), the duplicate indexes
// (18–36 bytes per row exact, ~0.5 KB per kept row near), one batch of rows.
import type { DatasetStore } from "../datasets.js";
import { detectPii } from "../pii/index.js";
import { quantileSorted, Summary, type SummaryJson } from "../summary.js";
import { dedupHash } from "../text/dedup-key.js";
import { HashSet64 } from "../text/hash.js";
import { detectLanguage } from "../text/lang.js";
import { NearDuplicateIndex } from "../text/lsh.js";
import { MinHasher } from "../text/minhash.js";
import { countWords } from "../text/quality.js";
import type { DatasetVersion, FieldType, RowAddress } from "../types.js";
import { type PerplexityReport, PerplexitySampler, type PerplexityScorer } from "./perplexity.js";
import { type RuleSpec, type ValidationReport, Validator } from "./rules.js";

export interface ProfileOptions {
  textField?: string | undefined;
  rules?: RuleSpec[] | undefined;
  /** Count personal data by type with the PII library (default true). */
  pii?: boolean | undefined;
  /** Also measure the near-duplicate rate at this Jaccard threshold. */
  nearDuplicateThreshold?: number | undefined;
  /** Field holding a language code already (as the `language` step writes); else it is detected. */
  langField?: string | undefined;
  onProgress?: ((progress: { rows: number; total: number }) => void) | undefined;
  /** Score an evenly spaced sample of rows under a model and report perplexity outliers. */
  perplexity?: { scorer: PerplexityScorer; sample?: number } | undefined;
}

export interface OutlierExample extends RowAddress {
  length: number;
  score: number;
  preview: string;
}

export interface DatasetReport {
  dataset: {
    ref: string;
    id: string;
    contentHash: string;
    rows: number;
    shards: number;
    bytes: number;
    storedBytes: number;
    createdAt: string;
    createdBy: string;
  };
  generatedAt: string;
  textField: string;
  fields: Array<{
    name: string;
    types: FieldType[];
    nullable: boolean;
    nulls: number;
    missing: number;
    nullRate: number;
  }>;
  length: {
    unit: "chars";
    rowsWithText: number;
    rowsWithoutText: number;
    min: number | null;
    max: number | null;
    mean: number | null;
    quantiles: Record<string, number>;
    histogram: Array<{ from: number; to: number; count: number }>;
  };
  words: SummaryJson;
  languages: Record<string, number>;
  duplicates: {
    exact: number;
    exactRate: number;
    near: number | null;
    nearRate: number | null;
    nearThreshold: number | null;
  };
  pii: { rowsWithPii: number; rowRate: number; byType: Record<string, number> } | null;
  outliers: {
    iqr: { q1: number; q3: number; low: number; high: number; count: number };
    robustZ: { median: number; mad: number; scale: number; threshold: number; count: number };
    examples: OutlierExample[];
  };
  /** Present when a model was given (`data report --model`). */
  perplexity: PerplexityReport | null;
  validation: ValidationReport | null;
}

const ROBUST_Z = 3.5;
const EXAMPLES_PER_SIDE = 5;

export async function profileVersion(
  datasets: DatasetStore,
  version: DatasetVersion,
  options: ProfileOptions = {},
): Promise<DatasetReport> {
  const textField = options.textField ?? version.textField ?? "text";
  const langField = options.langField ?? "lang";
  const validator = options.rules ? new Validator(options.rules, textField) : null;
  let lengths = new Uint32Array(1024);
  let ordinals = new Float64Array(1024); // row ordinal of each length (rows without text have none)
  let withText = 0;
  const words = new Summary();
  const languages: Record<string, number> = {};
  const exact = new HashSet64(1 << 12);
  let exactDup = 0;
  const nearThreshold = options.nearDuplicateThreshold ?? null;
  const hasher = nearThreshold === null ? null : new MinHasher();
  const near = nearThreshold === null ? null : new NearDuplicateIndex({ numPerm: 128, threshold: nearThreshold });
  let nearDup = 0;
  const piiTypes: Record<string, number> = {};
  let piiRows = 0;
  let ordinal = 0;
  const scanPii = options.pii ?? true;
  const perplexity = options.perplexity
    ? new PerplexitySampler(options.perplexity.scorer, version.rowCount, options.perplexity.sample ?? 500)
    : null;

  for await (const batch of datasets.iterate(version)) {
    for (const { row, shard, index } of batch) {
      validator?.observe(row, { shard, index });
      const text = row[textField];
      if (typeof text === "string") {
        if (withText === lengths.length) {
          lengths = grow(lengths);
          ordinals = grow(ordinals);
        }
        lengths[withText] = text.length;
        ordinals[withText] = ordinal;
        withText++;
        words.add(countWords(text));
        const stored = row[langField];
        const lang = typeof stored === "string" ? stored : detectLanguage(text).lang;
        languages[lang] = (languages[lang] ?? 0) + 1;
        const [hi, lo] = dedupHash(text);
        if (!exact.add(hi, lo)) exactDup++;
        else if (hasher && near) {
          const sig = hasher.signature(text);
          if (sig) {
            if (near.findDuplicate(sig)) nearDup++;
            else near.add(sig);
          }
        }
        if (scanPii) {
          const found = detectPii(text);
          if (found.length) piiRows++;
          for (const d of found) piiTypes[d.type] = (piiTypes[d.type] ?? 0) + 1;
        }
        await perplexity?.observe(text, { shard, index });
      }
      ordinal++;
    }
    options.onProgress?.({ rows: ordinal, total: version.rowCount });
  }

  const sorted = lengths.slice(0, withText).sort();
  const q = (p: number) => (withText ? quantileSorted(sorted, p) : 0);
  const q1 = q(0.25);
  const q3 = q(0.75);
  const median = q(0.5);
  const iqr = q3 - q1;
  const low = q1 - 1.5 * iqr;
  const high = q3 + 1.5 * iqr;
  const deviations = new Float64Array(withText);
  for (let i = 0; i < withText; i++) deviations[i] = Math.abs(lengths[i]! - median);
  deviations.sort();
  const mad = withText ? quantileSorted(deviations, 0.5) : 0;
  // Modified z-score (Iglewicz & Hoaglin): 0.6745·(x − median)/MAD. When over half the rows share
  // one length the MAD is 0; the mean absolute deviation (×1.2533) stands in, as SPSS does.
  let meanDeviation = 0;
  for (let i = 0; i < withText; i++) meanDeviation += deviations[i]!;
  meanDeviation = withText ? meanDeviation / withText : 0;
  const scale = mad > 0 ? mad / 0.6745 : meanDeviation * 1.253314;
  const zOf = (len: number) => (scale > 0 ? (len - median) / scale : 0);
  let iqrCount = 0;
  let zCount = 0;
  const lowest: Array<[number, number]> = []; // [z, i]
  const highest: Array<[number, number]> = [];
  for (let i = 0; i < withText; i++) {
    const len = lengths[i]!;
    if (len < low || len > high) iqrCount++;
    const z = zOf(len);
    if (Math.abs(z) > ROBUST_Z) {
      zCount++;
      keepExtreme(z < 0 ? lowest : highest, Math.abs(z), i);
    }
  }
  const wanted = [...lowest, ...highest].map(([score, i]) => ({
    ordinal: ordinals[i]!,
    length: lengths[i]!,
    score: Math.round(score * 100) / 100,
  }));
  const examples = await fetchExamples(datasets, version, textField, wanted);
  const total = version.rowCount;
  return {
    dataset: {
      ref: version.ref,
      id: version.id,
      contentHash: version.contentHash,
      rows: version.rowCount,
      shards: version.shardCount,
      bytes: version.bytes,
      storedBytes: version.storedBytes,
      createdAt: version.createdAt,
      createdBy: version.createdBy,
    },
    generatedAt: new Date().toISOString(),
    textField,
    fields: Object.entries(version.schema.fields).map(([name, f]) => ({
      name,
      types: f.types,
      nullable: f.nullable,
      nulls: f.nulls,
      missing: f.missing,
      nullRate: total ? round((f.nulls + f.missing) / total) : 0,
    })),
    length: {
      unit: "chars",
      rowsWithText: withText,
      rowsWithoutText: total - withText,
      min: withText ? sorted[0]! : null,
      max: withText ? sorted[withText - 1]! : null,
      mean: withText ? round(sorted.reduce((a, b) => a + b, 0) / withText) : null,
      quantiles: withText
        ? Object.fromEntries([0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99].map((p) => [`p${Math.round(p * 100)}`, q(p)]))
        : {},
      histogram: histogram(sorted),
    },
    words: words.toJSON(),
    languages: Object.fromEntries(Object.entries(languages).sort((a, b) => b[1] - a[1])),
    duplicates: {
      exact: exactDup,
      exactRate: withText ? round(exactDup / withText) : 0,
      near: near ? nearDup : null,
      nearRate: near && withText ? round(nearDup / withText) : null,
      nearThreshold,
    },
    pii: scanPii
      ? {
          rowsWithPii: piiRows,
          rowRate: withText ? round(piiRows / withText) : 0,
          byType: Object.fromEntries(Object.entries(piiTypes).sort((a, b) => b[1] - a[1])),
        }
      : null,
    outliers: {
      iqr: { q1, q3, low: round(low), high: round(high), count: iqrCount },
      robustZ: { median, mad, scale: round(scale), threshold: ROBUST_Z, count: zCount },
      examples,
    },
    perplexity: perplexity?.report() ?? null,
    validation: validator?.report() ?? null,
  };
}

function grow<T extends Uint32Array | Float64Array>(array: T): T {
  const next = new (array.constructor as new (n: number) => T)(array.length * 2);
  next.set(array);
  return next;
}

/** Keeps the EXAMPLES_PER_SIDE largest scores. */
function keepExtreme(list: Array<[number, number]>, score: number, i: number): void {
  if (list.length < EXAMPLES_PER_SIDE) list.push([score, i]);
  else {
    let min = 0;
    for (let k = 1; k < list.length; k++) if (list[k]![0] < list[min]![0]) min = k;
    if (score > list[min]![0]) list[min] = [score, i];
  }
}

/** Power-of-two buckets: [0,1), [1,2), [2,4), … up to the longest text. */
function histogram(sorted: Uint32Array): Array<{ from: number; to: number; count: number }> {
  if (sorted.length === 0) return [];
  const out: Array<{ from: number; to: number; count: number }> = [];
  let from = 0;
  let to = 1;
  let i = 0;
  const max = sorted[sorted.length - 1]!;
  while (from <= max) {
    let count = 0;
    while (i < sorted.length && sorted[i]! < to) {
      count++;
      i++;
    }
    out.push({ from, to, count });
    from = to;
    to *= 2;
  }
  return out;
}

async function fetchExamples(
  datasets: DatasetStore,
  version: DatasetVersion,
  textField: string,
  wanted: Array<{ ordinal: number; length: number; score: number }>,
): Promise<OutlierExample[]> {
  if (wanted.length === 0) return [];
  const byOrdinal = new Map(wanted.map((w) => [w.ordinal, w]));
  const first = Math.min(...byOrdinal.keys());
  const last = Math.max(...byOrdinal.keys());
  const out: OutlierExample[] = [];
  let ordinal = first;
  const batches = datasets.iterate(version, first);
  try {
    outer: for await (const batch of batches) {
      for (const { row, shard, index } of batch) {
        const w = byOrdinal.get(ordinal);
        if (w) {
          const text = String(row[textField] ?? "");
          out.push({ shard, index, length: w.length, score: w.score, preview: preview(text) });
        }
        if (ordinal++ >= last) break outer;
      }
    }
  } finally {
    await batches.return(undefined);
  }
  return out.sort((a, b) => a.length - b.length);
}

function preview(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 100 ? `${flat.slice(0, 97)}…` : flat;
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}
