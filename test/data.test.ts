// Datasets on both metadata dialects with the real file artifact store and real files: ingest of
// JSONL/CSV/text (gzip'd too), shards and row addresses, bad input that registers nothing,
// concurrent ingests, pipelines with lineage, reports and validation rules.
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DatasetStore } from "../src/data/datasets.js";
import { ingest } from "../src/data/ingest.js";
import { runPipeline } from "../src/data/pipeline/run.js";
import { parsePipeline } from "../src/data/pipeline/spec.js";
import { profileVersion } from "../src/data/report/profile.js";
import { parseRules } from "../src/data/report/rules.js";
import type { Row } from "../src/data/types.js";
import { writeTinyLlama } from "../src/formats/gguf/index.js";
import { ModelRegistry } from "../src/registry/index.js";
import { openArtifactStore } from "../src/store/artifacts/index.js";
import { openMetadataStore } from "../src/store/metadata/index.js";
import type { MetadataStore } from "../src/store/metadata/types.js";
import { databaseFactories, type TestDatabase } from "./helpers/databases.js";

const work = mkdtempSync(path.join(tmpdir(), "llmops-data-"));
const file = (name: string, content: string | Buffer) => {
  const p = path.join(work, name);
  writeFileSync(p, content);
  return p;
};

const jsonlRows: Row[] = [
  { id: 1, text: "Hello world", meta: { source: "web" } },
  { id: 2, text: "你好，世界", score: 0.5 },
  { id: 3, text: null, tags: ["a", "b"] },
  { id: 4, text: 'emoji 😀 and "quotes"\nnewline', score: 2 },
];
const bigRows = Array.from({ length: 3000 }, (_, i) => ({ i, text: `row number ${i} ${"x".repeat(i % 50)}` }));

let files: Record<string, string>;
beforeAll(() => {
  files = {
    jsonl: file("small.jsonl", `${jsonlRows.map((r) => JSON.stringify(r)).join("\n")}\n\n`),
    big: file("big.jsonl.gz", gzipSync(bigRows.map((r) => JSON.stringify(r)).join("\n"))),
    bigPlain: file("big.jsonl", bigRows.map((r) => JSON.stringify(r)).join("\n")),
    csv: file(
      "quotes.csv",
      '\ufeffid,text,note\r\n1,"comma, inside","say ""hi"""\r\n2,"line one\nline two",\r\n3,plain,""\r\n',
    ),
    tsv: file("t.tsv.gz", gzipSync("a\tb\n1\tx y\n")),
    paragraphs: file("p.txt", "First paragraph\nstill first.\n\n\nSecond paragraph.\n  \nThird."),
    badUtf8: file(
      "bad.jsonl",
      Buffer.concat([Buffer.from('{"text":"ok"}\n{"text":"caf'), Buffer.from([0xe9]), Buffer.from('"}\n')]),
    ),
    truncated: file("cut.jsonl.gz", gzipSync(bigRows.map((r) => JSON.stringify(r)).join("\n")).subarray(0, 9000)),
    badJson: file("broken.jsonl", '{"text":"a"}\n{"text":"b"}\n{"text": c}\n'),
    badCsv: file("broken.csv", 'id,text\n1,"never closed\n2,x\n'),
    ragged: file("ragged.csv", "id,text\n1,a\n2,b,c\n"),
    empty: file("empty.jsonl", "\n\n"),
  };
});

describe.each(databaseFactories())("datasets on %s", (_dialect, createDatabase) => {
  let database: TestDatabase;
  let store: MetadataStore;
  let datasets: DatasetStore;
  let artifactsDir: string;

  beforeAll(async () => {
    database = await createDatabase();
    store = await openMetadataStore(database.url);
    artifactsDir = mkdtempSync(path.join(tmpdir(), "llmops-data-artifacts-"));
    datasets = new DatasetStore(store, await openArtifactStore(`file:${artifactsDir}`, { home: work }));
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  const ingestOf = (name: string, ...paths: string[]) => ingest(datasets, { files: paths, name, actor: "test" });

  it("ingests JSONL into an immutable version with hash, schema, rows and lineage", async () => {
    const v1 = await ingestOf("small", files.jsonl!);
    expect(v1).toMatchObject({
      ref: "small@1",
      version: 1,
      rowCount: 4,
      shardCount: 1,
      textField: "text",
      createdBy: "test",
    });
    expect(v1.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(v1.schema.fields).toEqual({
      id: { types: ["integer"], nullable: false, present: 4, nulls: 0, missing: 0 },
      text: { types: ["string"], nullable: true, present: 3, nulls: 1, missing: 0 },
      meta: { types: ["object"], nullable: true, present: 1, nulls: 0, missing: 3 },
      score: { types: ["number"], nullable: true, present: 2, nulls: 0, missing: 2 },
      tags: { types: ["array"], nullable: true, present: 1, nulls: 0, missing: 3 },
    });
    expect(v1.lineage.sources).toEqual([
      expect.objectContaining({
        file: "small.jsonl",
        format: "jsonl",
        rows: 4,
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      }),
    ]);
    const rows = await datasets.page(v1, 0, 10);
    expect(rows.map((r) => r.row)).toEqual(jsonlRows);
    expect(rows.map((r) => [r.shard, r.index])).toEqual([
      [0, 0],
      [0, 1],
      [0, 2],
      [0, 3],
    ]);
    const v2 = await ingestOf("small", files.jsonl!);
    expect(v2.ref).toBe("small@2");
    expect(v2.contentHash).toBe(v1.contentHash); // same rows, same hash
    expect((await datasets.resolve("small")).version).toBe(2);
    expect((await datasets.resolve("small@latest")).version).toBe(2);
    await expect(datasets.resolve("small@9")).rejects.toMatchObject({ code: "not_found" });
    await expect(datasets.resolve("nope")).rejects.toThrow(/does not exist/);
  });

  it("splits a version into shards, addresses rows by shard and index, and hashes content not layout", async () => {
    const one = await ingestOf("big-one", files.big!);
    const many = await ingest(datasets, {
      files: [files.bigPlain!],
      name: "big-many",
      actor: "test",
      shardBytes: 16 * 1024,
    });
    expect(one.shardCount).toBe(1);
    expect(many.shardCount).toBeGreaterThan(5);
    expect(many.rowCount).toBe(3000);
    expect(many.contentHash).toBe(one.contentHash); // gzip'd or not, one shard or many
    const detail = await datasets.detail(many.ref);
    expect(detail.shards.reduce((s, x) => s + x.rowCount, 0)).toBe(3000);
    expect(detail.shards[1]!.firstRow).toBe(detail.shards[0]!.rowCount);
    // A page crossing a shard boundary, and single rows by address.
    const boundary = detail.shards[1]!.firstRow;
    const page = await datasets.page(many, boundary - 2, 4);
    expect(page.map((r) => r.row.i)).toEqual([boundary - 2, boundary - 1, boundary, boundary + 1]);
    expect(page[2]).toMatchObject({ shard: 1, index: 0 });
    const addressed = await datasets.row(many, 2, 3);
    expect(addressed.row.i).toBe(detail.shards[2]!.firstRow + 3);
    await expect(datasets.row(many, 99, 0)).rejects.toMatchObject({ code: "not_found" });
    await expect(datasets.page(many, 0, 5000)).rejects.toMatchObject({ code: "invalid_request" });
    expect(await datasets.page(many, 3000, 10)).toEqual([]);
  });

  it("reads CSV with quotes, delimiters and newlines in fields, TSV, and text by paragraph", async () => {
    const csv = await ingestOf("csv", files.csv!);
    expect((await datasets.page(csv, 0, 10)).map((r) => r.row)).toEqual([
      { id: "1", text: "comma, inside", note: 'say "hi"' },
      { id: "2", text: "line one\nline two", note: null },
      { id: "3", text: "plain", note: "" },
    ]);
    expect(csv.schema.fields.note).toMatchObject({ types: ["string"], nullable: true, nulls: 1 });
    const tsv = await ingestOf("tsv", files.tsv!);
    expect((await datasets.page(tsv, 0, 10)).map((r) => r.row)).toEqual([{ a: "1", b: "x y" }]);
    const text = await ingest(datasets, {
      files: [files.paragraphs!],
      name: "para",
      actor: "t",
      textUnit: "paragraph",
      textField: "body",
    });
    expect((await datasets.page(text, 0, 10)).map((r) => r.row)).toEqual([
      { body: "First paragraph\nstill first." },
      { body: "Second paragraph." },
      { body: "Third." },
    ]);
    expect(text.textField).toBe("body");
  });

  it("rejects bad input with the file and line, and registers nothing (no version, no dataset, no shard)", async () => {
    const cases: Array<[string, RegExp]> = [
      [files.badUtf8!, /bad\.jsonl:2: invalid UTF-8 \(byte 0xe9/],
      [files.truncated!, /cut\.jsonl\.gz:\d+: the gzip stream is truncated/],
      [files.badJson!, /broken\.jsonl:3: malformed JSON/],
      [files.badCsv!, /broken\.csv:\d+: malformed CSV \(Quote Not Closed/],
      [files.ragged!, /ragged\.csv:3: malformed CSV/],
      [path.join(work, "missing.jsonl"), /does not exist/],
    ];
    const versionsBefore = (await store.db.selectFrom("dataset_versions").select("id").execute()).length;
    for (const [input, message] of cases) {
      // A good file first: its rows are already in shards when the bad one fails.
      await expect(ingestOf("broken", files.big!, input)).rejects.toThrow(message);
    }
    await expect(ingestOf("broken", files.empty!)).rejects.toThrow(/No rows found in empty\.jsonl/);
    writeFileSync(path.join(work, "x.parquet"), "PAR1");
    await expect(ingestOf("broken", files.jsonl!, path.join(work, "x.parquet"))).rejects.toMatchObject({
      code: "usage",
    });
    await expect(ingest(datasets, { files: [files.jsonl!], name: "x", actor: "t", textField: "body" })).rejects.toThrow(
      /No row has the field 'body'/,
    );
    await expect(ingestOf("bad name!", files.jsonl!)).rejects.toThrow(/Invalid dataset name/);
    expect(await store.db.selectFrom("dataset_versions").select("id").execute()).toHaveLength(versionsBefore);
    expect(await store.db.selectFrom("datasets").select("name").where("name", "in", ["broken", "x"]).execute()).toEqual(
      [],
    );
    expect(readdirSync(path.join(artifactsDir, "tmp"))).toEqual([]); // no half-written shard left behind
  });

  it("gives concurrent ingests of one name distinct versions", async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => ingestOf("race", files.jsonl!)));
    expect(results.map((v) => v.version).sort()).toEqual([1, 2, 3, 4, 5]);
    expect((await datasets.getDataset("race")).versions).toHaveLength(5);
  });

  it("runs a pipeline into a new version whose lineage records input, pipeline and every step", async () => {
    const docs = [
      "<p>Machine learning needs <b>clean</b> data &amp; careful evaluation of every model.</p>",
      "Machine learning needs clean data & careful evaluation of every model.", // exact dup after strip + normalise
      "机器学习需要干净的数据和对每个模型的仔细评估，这一点非常重要。请联系 zhang.san@example.com。",
      "Das maschinelle Lernen braucht saubere Daten und eine sorgfältige Bewertung.",
      "ok",
      Array.from({ length: 40 }, (_, i) => `token${i}`).join(" "),
      `${Array.from({ length: 40 }, (_, i) => `token${i}`).join(" ")} extra`, // near dup
      "Ｆｕｌｌ ｗｉｄｔｈ text is folded by NFKC normalisation before anything else.",
    ];
    writeFileSync(path.join(work, "raw.jsonl"), docs.map((text, id) => JSON.stringify({ id, text })).join("\n"));
    const raw = await ingestOf("raw", path.join(work, "raw.jsonl"));
    const yaml = `name: clean-test
output: clean
steps:
  - strip-html
  - normalize
  - clean-whitespace
  - length-filter: { min_chars: 5 }
  - language: { keep: [zh, en] }
  - exact-dedup
  - near-dedup: { threshold: 0.8 }
  - pii: { mode: mask }
  - split: { ratios: { train: 0.5, test: 0.5 } }
  - token-stats
validate:
  - not_null: text
  - language_in: { languages: [zh, en] }
`;
    const result = await runPipeline(datasets, {
      pipeline: parsePipeline(yaml, "p.yaml"),
      input: raw.ref,
      actor: "test",
    });
    expect(result.validation?.passed).toBe(true);
    const out = result.version!;
    expect(out.ref).toBe("clean@1");
    expect(out.rowCount).toBe(4);
    const rows = (await datasets.page(out, 0, 10)).map((r) => r.row);
    expect(rows.map((r) => r.id)).toEqual([0, 2, 5, 7]);
    expect(rows[0]!.text).toBe("Machine learning needs clean data & careful evaluation of every model.");
    expect(rows[1]!.text).toContain("[EMAIL]");
    expect(rows[1]!.lang).toBe("zh");
    expect(rows[3]!.text).toMatch(/^Full width text/);
    for (const r of rows) expect(["train", "test"]).toContain(r.split);
    const lineage = out.lineage;
    expect(lineage.input).toEqual({ ref: "raw@1", id: raw.id, contentHash: raw.contentHash });
    expect(lineage.pipeline).toMatchObject({
      name: "clean-test",
      yaml,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const byStep = Object.fromEntries(lineage.steps!.map((s) => [s.step, s]));
    expect(byStep["length-filter"]).toMatchObject({ rowsIn: 8, rowsOut: 7, dropped: { too_short_chars: 1 } });
    expect(byStep.language).toMatchObject({ rowsIn: 7, rowsOut: 6, dropped: { "language:de": 1 } });
    expect(byStep["exact-dedup"]).toMatchObject({ rowsIn: 6, rowsOut: 5, dropped: { duplicate: 1 } });
    expect(byStep["near-dedup"]).toMatchObject({ rowsIn: 5, rowsOut: 4, dropped: { near_duplicate: 1 } });
    expect(byStep.pii!.stats).toMatchObject({ rows_with_pii: 1, detections: { EMAIL: 1 } });
    expect(byStep["token-stats"]!.stats).toMatchObject({ chars: { count: 4 } });
    expect(out.stats).toMatchObject({ rows_in: 8, rows_out: 4 });
    // The same pipeline on the same input gives the same content.
    const again = await runPipeline(datasets, {
      pipeline: parsePipeline(yaml, "p.yaml"),
      input: raw.ref,
      actor: "test",
    });
    expect(again.version!.contentHash).toBe(out.contentHash);
    expect(again.version!.ref).toBe("clean@2");
  });

  it("fails a pipeline whose validation rules fail, recording nothing", async () => {
    const before = (await store.db.selectFrom("dataset_versions").select("id").execute()).length;
    const yaml =
      "output: strict\nsteps: [normalize]\nvalidate:\n  - length: { field: text, min: 40 }\n  - unique: id\n";
    const result = await runPipeline(datasets, { pipeline: parsePipeline(yaml), input: "small@1", actor: "t" });
    expect(result.version).toBeNull();
    expect(result.validation!.passed).toBe(false);
    const [length, unique] = result.validation!.rules;
    expect(length).toMatchObject({ rule: "length", passed: false, violations: 4, checked: 4 });
    expect(length!.examples[0]).toMatchObject({ address: { shard: 0, index: 0 } });
    expect(unique).toMatchObject({ rule: "unique", passed: true, violations: 0 });
    expect(await store.db.selectFrom("dataset_versions").select("id").execute()).toHaveLength(before);
    await expect(
      runPipeline(datasets, { pipeline: parsePipeline("steps: [normalize]\n"), input: "small@1", actor: "t" }),
    ).rejects.toMatchObject({
      code: "usage",
    });
  });

  it("reports a profile, outliers and rule results", async () => {
    const rows = [
      ...Array.from({ length: 60 }, (_, i) => ({
        id: `a${i}`,
        text: `English sentence number ${i} about data quality.`,
      })),
      ...Array.from({ length: 30 }, (_, i) => ({ id: `z${i}`, text: `这是第${i}个关于数据质量的中文句子。` })),
      { id: "dup", text: "English sentence number 1 about data quality." },
      { id: "pii", text: "Mail bob@example.org, card 4111 1111 1111 1111, IP 192.168.1.20." },
      { id: "long", text: "long ".repeat(500) },
      { id: "a0", text: null },
    ];
    writeFileSync(path.join(work, "profile.jsonl"), rows.map((r) => JSON.stringify(r)).join("\n"));
    const version = await ingestOf("profile", path.join(work, "profile.jsonl"));
    const rules = parseRules(`rules:
  - not_null: text
  - unique: id
  - length: { field: text, max: 1000 }
  - regex: { field: id, pattern: "^[a-z]+[0-9]*$" }
  - language_in: { field: text, languages: [zh, en], max_violation_rate: 0.05 }
`);
    const report = await profileVersion(datasets, version, { rules, nearDuplicateThreshold: 0.8 });
    expect(report.dataset).toMatchObject({ ref: "profile@1", rows: 94 });
    expect(report.length.rowsWithoutText).toBe(1);
    expect(report.languages).toMatchObject({ en: 63, zh: 30 });
    expect(report.duplicates.exact).toBe(1);
    expect(report.duplicates.near).toBeGreaterThanOrEqual(0);
    expect(report.pii!.byType).toMatchObject({ EMAIL: 1, CREDIT_CARD: 1, IPV4: 1 });
    expect(report.outliers.robustZ.count).toBeGreaterThanOrEqual(1);
    expect(report.outliers.examples.at(-1)).toMatchObject({ length: 2500, shard: 0, index: 92 });
    const byRule = Object.fromEntries(report.validation!.rules.map((r) => [r.rule, r]));
    expect(byRule.not_null).toMatchObject({
      passed: false,
      violations: 1,
      examples: [{ address: { shard: 0, index: 93 } }],
    });
    expect(byRule.unique).toMatchObject({ passed: false, violations: 1 });
    expect(byRule.length).toMatchObject({ passed: false, violations: 2 }); // too long, and null text
    expect(byRule.regex).toMatchObject({ passed: true });
    expect(byRule.language_in).toMatchObject({ passed: true }); // 1 row of 94 without text ≤ 5 %
    expect(report.validation!.passed).toBe(false);
    expect(() => parseRules("rules:\n  - not_nul: text\n", "r.yaml")).toThrow(
      /r\.yaml: rule 1: unknown rule 'not_nul'/,
    );
  });
});

describe("token statistics under a registered model's tokenizer", () => {
  it("counts tokens with the model's own vocabulary", async () => {
    const database = await databaseFactories()[0]![1]();
    const store = await openMetadataStore(database.url);
    try {
      const artifacts = await openArtifactStore(`file:${mkdtempSync(path.join(tmpdir(), "llmops-data-tok-"))}`, {
        home: work,
      });
      const datasets = new DatasetStore(store, artifacts);
      const registry = new ModelRegistry(store, artifacts);
      const gguf = path.join(work, "tiny.gguf");
      await writeTinyLlama(gguf, { type: "F32", seed: 3 });
      await registry.register({ file: gguf, name: "tok", actor: "test" });
      writeFileSync(path.join(work, "tok.jsonl"), '{"text":"hello world"}\n{"text":"你好，世界"}\n{"text":""}\n');
      const raw = await ingest(datasets, { files: [path.join(work, "tok.jsonl")], name: "tok-raw", actor: "t" });
      const yaml = "output: tok-out\nsteps:\n  - token-stats: { model: tok@1, row_fields_prefix: n_ }\n";
      const result = await runPipeline(datasets, {
        pipeline: parsePipeline(yaml),
        input: raw.ref,
        actor: "t",
        resolveModelFile: async (ref) => artifacts.localPath((await registry.resolve(ref)).artifactHash),
      });
      const rows = (await datasets.page(result.version!, 0, 10)).map((r) => r.row);
      // Byte-fallback vocabulary: at least one token per character, none for the empty text.
      expect(rows[0]!.n_tokens).toBeGreaterThanOrEqual(2);
      expect(rows[0]!.n_tokens).toBeLessThanOrEqual(11);
      expect(rows[1]!.n_tokens).toBeGreaterThanOrEqual(5);
      expect(rows[2]!.n_tokens).toBe(0);
      expect(result.steps[0]!.stats).toMatchObject({ model: "tok@1", tokens: { count: 3 } });
      await expect(
        runPipeline(datasets, {
          pipeline: parsePipeline("output: x\nsteps:\n  - token-stats: { model: nope@1 }\n"),
          input: raw.ref,
          actor: "t",
          resolveModelFile: async (ref) => artifacts.localPath((await registry.resolve(ref)).artifactHash),
        }),
      ).rejects.toMatchObject({ code: "not_found" });
    } finally {
      await store.close();
      await database.drop();
    }
  });
});
