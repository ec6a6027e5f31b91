// Data pipeline throughput: normalise (NFKC) + exact dedup + near-dedup (MinHash/LSH) + PII masking
// over a generated ~200 MB gzip'd JSONL corpus of mixed Chinese/English documents (with injected
// exact and near duplicates and personal data), against a baseline measured in the same run on the
// same file: read + gunzip + split lines + JSON.parse, the floor any pipeline pays.
//
//   npm run build && node dist/bench/data.js [--mb 200] [--threshold 0.8] [--store]
//
// --store also runs the steps through the real dataset store (ingest into shards, then
// `runPipeline` writing a new version) on SQLite and the file artifact store.
// Memory: peak RSS (getrusage) after each phase; the dedup indexes grow with kept rows (their
// bytes are printed), everything else is bounded.
import { once } from "node:events";
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { StringDecoder } from "node:string_decoder";
import { parseArgs } from "node:util";
import { createGunzip, createGzip } from "node:zlib";
import { STEPS } from "../src/data/pipeline/registry.js";
import { Dropped, type StepInstance } from "../src/data/pipeline/step.js";
import { mulberry32 } from "../src/data/summary.js";
import type { Row } from "../src/data/types.js";

const { values: args } = parseArgs({
  options: {
    mb: { type: "string", default: "200" },
    threshold: { type: "string", default: "0.8" },
    store: { type: "boolean", default: false },
  },
});
const TARGET_BYTES = Number(args.mb) * 1e6;
const REPO = path.resolve(import.meta.dirname, "../..");
const PIPELINE = ["normalize", "exact-dedup", "near-dedup", "pii"] as const;

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const mbps = (bytes: number, ms: number) => Math.round((bytes / 1e6 / (ms / 1000)) * 10) / 10;

/** Mixed zh/en documents from the bundled corpora, with ~4% exact duplicates, ~6% near duplicates and ~8% PII. */
async function generate(file: string): Promise<{ docs: number; bytes: number }> {
  const zh = readFileSync(path.join(REPO, "data/corpora/tang-poems.txt"), "utf8")
    .split("\n")
    .filter((l) => l.length > 4);
  const en = readFileSync(path.join(REPO, "data/corpora/kjv-genesis.txt"), "utf8")
    .split("\n")
    .filter((l) => l.length > 10);
  const rand = mulberry32(2024);
  const pick = <T>(a: T[]) => a[Math.floor(rand() * a.length)]!;
  const recent: string[] = [];
  const out = createGzip({ level: 1 });
  const sink = createWriteStream(file);
  out.pipe(sink);
  let bytes = 0;
  let docs = 0;
  while (bytes < TARGET_BYTES) {
    let text: string;
    const r = rand();
    if (r < 0.04 && recent.length)
      text = pick(recent).toUpperCase(); // exact after normalisation
    else if (r < 0.1 && recent.length) {
      const words = pick(recent).split(" ");
      const at = Math.floor(rand() * words.length);
      words[at] = `${words[at]}x`; // one edited word (or character run for zh)
      text = words.join(" ");
    } else {
      const chinese = rand() < 0.5;
      const lines = Array.from({ length: 4 + Math.floor(rand() * 20) }, () => pick(chinese ? zh : en));
      text = lines.join(chinese ? "" : " ");
      if (rand() < 0.08) {
        const n = Math.floor(rand() * 1e8);
        text += chinese
          ? `如有问题请联系 user${n}@example.cn 或拨打 13${String(n).padStart(9, "0")}。`
          : ` Contact user${n}@example.com, call +1 415 555 ${String(n % 10000).padStart(4, "0")}, server 10.${n % 256}.0.${n % 200}.`;
      }
      recent.push(text);
      if (recent.length > 200) recent.shift();
    }
    const line = `${JSON.stringify({ id: docs++, text })}\n`;
    bytes += Buffer.byteLength(line);
    if (!out.write(line)) await once(out, "drain");
  }
  out.end();
  await once(sink, "finish");
  return { docs, bytes };
}

/** Streams the rows of a gzip'd JSONL file in batches. */
async function* rows(file: string): AsyncGenerator<Row[]> {
  const decoder = new StringDecoder("utf8");
  let partial = "";
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }).pipe(
    createGunzip({ chunkSize: 1 << 20 }),
  )) {
    const text = partial + decoder.write(chunk as Buffer);
    const lines = text.split("\n");
    partial = lines.pop()!;
    yield lines.filter((l) => l.length > 0).map((l) => JSON.parse(l) as Row);
  }
  if (partial) yield [JSON.parse(partial) as Row];
}

async function baseline(file: string): Promise<{ ms: number; rows: number }> {
  const t0 = performance.now();
  let n = 0;
  for await (const batch of rows(file)) n += batch.length;
  return { ms: performance.now() - t0, rows: n };
}

async function pipeline(file: string) {
  const instances: StepInstance[] = [];
  for (const name of PIPELINE) {
    const step = STEPS.get(name)!;
    const options =
      name === "near-dedup" ? { threshold: Number(args.threshold) } : name === "pii" ? { mode: "mask" } : {};
    instances.push(await step.create(step.options.parse(options), { textField: "text", env: {} }));
  }
  const time = new Array<number>(instances.length).fill(0);
  const dropped = instances.map(() => ({}) as Record<string, number>);
  let kept = 0;
  const t0 = performance.now();
  for await (const batch of rows(file)) {
    for (let row of batch) {
      let keep = true;
      for (let i = 0; i < instances.length; i++) {
        const s = performance.now();
        const result = instances[i]!.process(row) as Row | Dropped;
        time[i]! += performance.now() - s;
        if (result instanceof Dropped) {
          dropped[i]![result.reason] = (dropped[i]![result.reason] ?? 0) + 1;
          keep = false;
          break;
        }
        row = result;
      }
      if (keep) kept++;
    }
  }
  const ms = performance.now() - t0;
  return {
    ms,
    kept,
    steps: PIPELINE.map((name, i) => ({
      step: name,
      seconds: Math.round(time[i]!) / 1000,
      dropped: dropped[i],
      stats: instances[i]!.stats?.() ?? {},
    })),
  };
}

async function throughStore(file: string, dir: string) {
  const { openMetadataStore } = await import("../src/store/metadata/index.js");
  const { openArtifactStore } = await import("../src/store/artifacts/index.js");
  const { DatasetStore } = await import("../src/data/datasets.js");
  const { ingest } = await import("../src/data/ingest.js");
  const { parsePipeline } = await import("../src/data/pipeline/spec.js");
  const { runPipeline } = await import("../src/data/pipeline/run.js");
  const store = await openMetadataStore(`sqlite:${path.join(dir, "bench.db")}`);
  try {
    const datasets = new DatasetStore(
      store,
      await openArtifactStore(`file:${path.join(dir, "artifacts")}`, { home: dir }),
    );
    let t0 = performance.now();
    const raw = await ingest(datasets, { files: [file], name: "bench-raw", actor: "bench" });
    const ingestMs = performance.now() - t0;
    const yaml = `output: bench-clean\nsteps:\n  - normalize\n  - exact-dedup\n  - near-dedup: { threshold: ${args.threshold} }\n  - pii: { mode: mask }\n`;
    t0 = performance.now();
    const result = await runPipeline(datasets, { pipeline: parsePipeline(yaml), input: raw.ref, actor: "bench" });
    return { ingestMs, runMs: performance.now() - t0, rowsOut: result.version!.rowCount, shards: raw.shardCount };
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "llmops-bench-data-"));
  const file = path.join(dir, "corpus.jsonl.gz");
  try {
    process.stdout.write(`generating ~${args.mb} MB of JSONL …\n`);
    const corpus = await generate(file);
    const mb = corpus.bytes / 1e6;
    process.stdout.write(
      `corpus: ${corpus.docs} documents, ${mb.toFixed(1)} MB JSONL (${(statSync(file).size / 1e6).toFixed(1)} MB gzip'd)\n`,
    );
    const base = await baseline(file);
    const rssAfterBaseline = peakRssMb();
    const run = await pipeline(file);
    const rssAfterPipeline = peakRssMb();
    const baseMbps = mbps(corpus.bytes, base.ms);
    const runMbps = mbps(corpus.bytes, run.ms);
    const result: Record<string, unknown> = {
      corpus: { documents: corpus.docs, mb: Math.round(mb * 10) / 10 },
      baseline: { what: "read + gunzip + split + JSON.parse", seconds: Math.round(base.ms) / 1000, mbps: baseMbps },
      pipeline: {
        what: PIPELINE.join(" → "),
        seconds: Math.round(run.ms) / 1000,
        mbps: runMbps,
        kept: run.kept,
        steps: run.steps,
      },
      ratio: Math.round((runMbps / baseMbps) * 1000) / 1000,
      peakRssMb: { afterBaseline: rssAfterBaseline, afterPipeline: rssAfterPipeline },
    };
    if (args.store) {
      const stored = await throughStore(file, dir);
      result.store = {
        ingest: {
          seconds: Math.round(stored.ingestMs) / 1000,
          mbps: mbps(corpus.bytes, stored.ingestMs),
          shards: stored.shards,
        },
        run: {
          seconds: Math.round(stored.runMs) / 1000,
          mbps: mbps(corpus.bytes, stored.runMs),
          rowsOut: stored.rowsOut,
        },
        peakRssMb: peakRssMb(),
      };
    }
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(
      `\nbaseline ${baseMbps} MB/s · pipeline ${runMbps} MB/s · ratio ${result.ratio} · peak RSS ${peakRssMb()} MB\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
