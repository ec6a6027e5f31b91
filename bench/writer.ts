// The gateway writer thread's jobs, per row, on a SQLite file: the request log, the audit chain and
// drift feature rows as the thread writes them (jobs.ts), and, for the plain inserts, Kysely's
// `insertInto().values()` on the same rows in alternating rounds as the baseline insertMany replaced.
//
//   npm run build && node dist/bench/writer.js [--rows 200] [--rounds 40]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { jobs } from "../src/platform/background/jobs.js";
import type { AuditEntry } from "../src/security/audit.js";
import { openMetadataStore } from "../src/store/metadata/index.js";
import { insertMany } from "../src/store/metadata/insert-many.js";
import type { NewRequest } from "../src/store/schema.js";

const { values: args } = parseArgs({
  options: { rows: { type: "string", default: "200" }, rounds: { type: "string", default: "40" } },
});
const ROWS = Number(args.rows);
const ROUNDS = Number(args.rounds);

let next = 0;
const id = () => `01JBENCH${String(next++).padStart(18, "0")}`;
const requestRow = (): NewRequest => ({
  id: id(),
  at: new Date().toISOString(),
  key_id: "01KEY00000000000000000000A",
  route: "/v1/chat/completions",
  model: "bench",
  model_version: "bench@1",
  upstream: "http://127.0.0.1:8101/v1",
  status: 200,
  error_code: null,
  prompt_tokens: 24,
  completion_tokens: 9,
  latency_ms: 1.25,
  ttft_ms: null,
  stream: 0,
});
const auditEntry = (): AuditEntry => ({
  actor: "key:bench(01KEY00000000000000000000A)",
  action: "gateway.request",
  target: "model:bench",
  at: new Date().toISOString(),
  details: { requestId: id(), route: "/v1/chat/completions", status: 200, promptTokens: 24, completionTokens: 9 },
});
const featureInput = (i: number) => ({
  id: id(),
  at: new Date(),
  model: "bench@1",
  status: 200,
  prompt: i % 2 === 0 ? `Request ${i}: what is the capital of France?` : `第${i}个请求：请介绍一下长安的历史。`,
  promptTokens: 24,
  output: "Hello! Nice to meet you today.",
  outputTokens: 9,
});

const dir = mkdtempSync(path.join(tmpdir(), "llmops-bench-writer-"));
const store = await openMetadataStore(`sqlite:${path.join(dir, "llmops.db")}`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const batchOf =
  <T>(make: (i: number) => T) =>
  () =>
    Array.from({ length: ROWS }, (_, i) => make(i));

/** µs per row of one batch; `make` builds the batch outside the timed part. */
async function once<T>(make: () => T, run: (batch: T) => Promise<void>): Promise<number> {
  const batch = make();
  const started = performance.now();
  await run(batch);
  return ((performance.now() - started) * 1000) / ROWS;
}

/** Median over rounds. */
async function perRow<T>(make: () => T, run: (batch: T) => Promise<void>): Promise<number> {
  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) samples.push(await once(make, run));
  return median(samples);
}

try {
  console.log(`writer jobs on SQLite: ${ROWS}-row batches, ${ROUNDS} rounds, median µs per row`);
  // Alternate the two insert paths round by round so drift in the machine's load hits both.
  const kysely: number[] = [];
  const many: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    kysely.push(
      await once(
        batchOf(requestRow),
        async (rows) => void (await store.db.insertInto("requests").values(rows).execute()),
      ),
    );
    many.push(await once(batchOf(requestRow), (rows) => insertMany(store.db, "requests", rows)));
  }
  const k = median(kysely);
  const m = median(many);
  const f = (x: number) => x.toFixed(1);
  console.log(`  request log insert: Kysely values() ${f(k)} · insertMany ${f(m)} (×${(k / m).toFixed(2)})`);
  console.log(`  job requests: ${f(await perRow(batchOf(requestRow), (rows) => jobs.requests(store, rows)))}`);
  console.log(
    `  job audit (hash chain, one transaction): ${f(await perRow(batchOf(auditEntry), (e) => jobs.audit(store, e)))}`,
  );
  console.log(
    `  job features (extraction + insert): ${f(await perRow(batchOf(featureInput), (x) => jobs.features(store, x)))}`,
  );
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
