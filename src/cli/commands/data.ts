// `llmops data …`: versioned datasets (ingest, list, show, head), cleaning pipelines (run, steps)
// and quality reports. Domain code lives in src/data; this file parses, calls and prints.
import { readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import pc from "picocolors";
import type { IngestProgress } from "../../data/ingest.js";
import type { PipelineResult } from "../../data/pipeline/run.js";
import type { PerplexityScorer } from "../../data/report/perplexity.js";
import type { DatasetReport } from "../../data/report/profile.js";
import type { ValidationReport } from "../../data/report/rules.js";
import type { DatasetVersion, DatasetVersionDetail } from "../../data/types.js";
import { LlmopsError } from "../../errors.js";
import { cliActor, jsonOption, runAction, wantsJson, withPlatform } from "../context.js";
import { EXIT_FAILED, formatBytes, printFields, printJson, printTable } from "../output.js";
import { parseInteger } from "../parse.js";
import { registerEraseCommand } from "./data-erase.js";
import { registerDataKeyCommands } from "./data-keys.js";
import { registerPiiCommands } from "./data-pii.js";

export function registerDataCommands(program: Command): Command {
  const data = program
    .command("data")
    .description("datasets: versioned ingest, cleaning pipelines, quality reports, PII handling");

  jsonOption(
    data
      .command("ingest <files...>")
      .description("read JSONL, CSV or text files (optionally .gz) into the next immutable version NAME@N")
      .requiredOption("-n, --name <name>", "dataset name")
      .option("-f, --format <format>", "jsonl | csv | text (default: from each file's extension)")
      .option("--text-field <field>", "the field holding the main text (text files: where lines go)", undefined)
      .option("--text-unit <unit>", "text files: one row per 'line' or per 'paragraph'", "line")
      .option("-d, --description <text>", "free-text description")
      .option("--shard-mb <mb>", "uncompressed MiB per shard (default 64)")
      .option(
        "--encrypt",
        "encrypt the shards at rest (AES-256-GCM; needs LLMOPS_MASTER_KEY or LLMOPS_MASTER_KEY_FILE)",
      ),
  ).action(
    withPlatform(async (platform, command, files: string[]) => {
      const o = command.opts<{
        name: string;
        format?: string;
        textField?: string;
        textUnit: string;
        description?: string;
        shardMb?: string;
        encrypt?: boolean;
      }>();
      if (o.textUnit !== "line" && o.textUnit !== "paragraph") {
        throw new LlmopsError("usage", `--text-unit must be 'line' or 'paragraph', not '${o.textUnit}'.`);
      }
      const { ingest } = await import("../../data/ingest.js");
      const bar = new ProgressBar("ingest");
      const version = await ingest(platform.datasets, {
        files,
        name: o.name,
        format: o.format,
        textField: o.textField,
        textUnit: o.textUnit,
        description: o.description,
        actor: cliActor(),
        shardBytes: o.shardMb ? parseInteger(o.shardMb, "--shard-mb", 1, 4096) * 1024 * 1024 : undefined,
        encrypt: o.encrypt,
        onProgress: (p: IngestProgress) =>
          bar.update(
            p.bytesRead / Math.max(1, p.totalBytes),
            `${formatBytes(p.bytesRead)}/${formatBytes(p.totalBytes)} ${p.rows} rows ${p.file}`,
          ),
      }).finally(() => bar.done());
      if (wantsJson(command)) return printJson(version);
      process.stdout.write(
        `${pc.green("created")} ${pc.bold(version.ref)}: ${version.rowCount} rows, ${version.shardCount} shard(s), ` +
          `${formatBytes(version.bytes)} JSONL (${formatBytes(version.storedBytes)} stored), sha256 ${version.contentHash.slice(0, 12)}…\n`,
      );
    }),
  );

  jsonOption(data.command("list").description("list datasets with their latest version")).action(
    withPlatform(async (platform, command) => {
      const list = await platform.datasets.list();
      if (wantsJson(command)) return printJson(list);
      printTable(list, {
        NAME: (d) => d.name,
        LATEST: (d) => d.latestVersion,
        VERSIONS: (d) => d.versionCount,
        CREATED: (d) => d.createdAt,
        BY: (d) => d.createdBy,
      });
    }),
  );

  jsonOption(
    data.command("show <ref>").description("show a dataset (NAME: every version) or one version (NAME@N, NAME@latest)"),
  ).action(
    withPlatform(async (platform, command, ref: string) => {
      if (!ref.includes("@")) {
        const dataset = await platform.datasets.getDataset(ref);
        if (wantsJson(command)) return printJson(dataset);
        printFields({
          name: dataset.name,
          description: dataset.description,
          created: `${dataset.createdAt} by ${dataset.createdBy}`,
        });
        process.stdout.write("\n");
        printTable(dataset.versions, {
          VERSION: (v) => v.version,
          ROWS: (v) => v.rowCount,
          SIZE: (v) => formatBytes(v.bytes),
          SHARDS: (v) => v.shardCount,
          SHA256: (v) => v.contentHash.slice(0, 12),
          FROM: (v) => describeOrigin(v),
          CREATED: (v) => v.createdAt,
        });
        return;
      }
      const version = await platform.datasets.detail(ref);
      if (wantsJson(command)) return printJson(version);
      printVersion(version);
    }),
  );

  jsonOption(
    data
      .command("head <ref>")
      .description("print the first rows of a version (each with its shard:index address)")
      .option("-n, --rows <n>", "how many rows", "5")
      .option("--offset <n>", "start at this row (0-based)", "0"),
  ).action(
    withPlatform(async (platform, command, ref: string) => {
      const o = command.opts<{ rows: string; offset: string }>();
      const limit = parseInteger(o.rows, "--rows", 1, 1000);
      const offset = parseInteger(o.offset, "--offset", 0, Number.MAX_SAFE_INTEGER);
      const version = await platform.datasets.resolve(ref);
      const rows = await platform.datasets.page(version, offset, limit, { actor: cliActor(), purpose: "head" });
      if (wantsJson(command)) return printJson(rows);
      for (const r of rows) process.stdout.write(`${pc.dim(`${r.shard}:${r.index}`)}\t${JSON.stringify(r.row)}\n`);
      if (rows.length === 0)
        process.stdout.write(`${pc.dim(`(no rows at offset ${offset}; ${version.ref} has ${version.rowCount})`)}\n`);
    }),
  );

  jsonOption(
    data
      .command("run <pipeline>")
      .description("run a YAML pipeline over a version into a new version (lineage records every step)")
      .option("-i, --input <ref>", "input version NAME@N (overrides the pipeline's `input`)")
      .option("-o, --output <name>", "output dataset name (overrides the pipeline's `output`)")
      .option("--encrypt", "encrypt the output at rest (default: when the input is encrypted)"),
  ).action(
    withPlatform(async (platform, command, file: string) => {
      const o = command.opts<{ input?: string; output?: string; encrypt?: boolean }>();
      const { parsePipeline } = await import("../../data/pipeline/spec.js");
      const { runPipeline } = await import("../../data/pipeline/run.js");
      const text = await readFile(file, "utf8").catch((error: unknown) => {
        throw new LlmopsError("not_found", `Cannot read pipeline ${file}: ${(error as Error).message}.`);
      });
      const pipeline = parsePipeline(text, path.basename(file));
      const bar = new ProgressBar("pipeline");
      const result = await runPipeline(platform.datasets, {
        pipeline,
        input: o.input,
        output: o.output,
        encrypt: o.encrypt,
        actor: cliActor(),
        resolveModelFile: async (ref) => {
          const model = await platform.registry.resolve(ref);
          return platform.artifacts.localPath(model.artifactHash);
        },
        onProgress: (p) => bar.update(p.rows / Math.max(1, p.total), `${p.rows}/${p.total} rows`),
      }).finally(() => bar.done());
      if (result.validation && !result.validation.passed) process.exitCode = EXIT_FAILED;
      if (wantsJson(command)) return printJson(result);
      printRun(result);
    }),
  );

  jsonOption(data.command("steps").description("list the pipeline steps and their options")).action(
    runAction(async (command) => {
      const { STEPS } = await import("../../data/pipeline/registry.js");
      const { z } = await import("zod");
      const steps = [...STEPS.values()].map((s) => ({
        name: s.name,
        summary: s.summary,
        options: z.toJSONSchema(s.options, { io: "input", unrepresentable: "any" }),
      }));
      if (wantsJson(command)) return printJson(steps);
      printTable(steps, { STEP: (s) => s.name, WHAT: (s) => s.summary });
    }),
  );

  jsonOption(
    data
      .command("report <ref>")
      .description("profile a version (nulls, lengths, languages, duplicates, PII, outliers) and check rules")
      .option("--rules <file>", "validation rules (YAML); any failed rule exits 1")
      .option("--html <file>", "also write a self-contained HTML report")
      .option("--text-field <field>", "the field to profile (default: the version's text field)")
      .option("--near-dup <threshold>", "also measure near-duplicates at this Jaccard threshold (e.g. 0.8)")
      .option("--no-pii", "skip the PII scan")
      .option("--model <ref>", "also score a sample of rows under this registered model and report perplexity outliers")
      .option("--perplexity-sample <n>", "rows to score with --model (evenly spaced)", "500")
      .addHelpText(
        "after",
        `
Rules file (YAML):
  rules:
    - not_null: text
    - length: { field: text, min: 10, max: 20000 }        # unit: chars (default) or words
    - language_in: { field: text, languages: [zh, en] }
    - unique: id
    - regex: { field: id, pattern: "^[0-9]+$" }
  Each rule takes max_violations (default 0) or max_violation_rate (0-1).`,
      ),
  ).action(
    withPlatform(async (platform, command, ref: string) => {
      const o = command.opts<{
        rules?: string;
        html?: string;
        textField?: string;
        nearDup?: string;
        pii: boolean;
        model?: string;
        perplexitySample: string;
      }>();
      const { profileVersion } = await import("../../data/report/profile.js");
      const { parseRules } = await import("../../data/report/rules.js");
      const rules = o.rules
        ? parseRules(
            await readFile(o.rules, "utf8").catch((error: unknown) => {
              throw new LlmopsError("not_found", `Cannot read rules ${o.rules}: ${(error as Error).message}.`);
            }),
            path.basename(o.rules),
          )
        : undefined;
      let near: number | undefined;
      if (o.nearDup !== undefined) {
        near = Number(o.nearDup);
        if (!(near > 0 && near < 1)) throw new LlmopsError("usage", "--near-dup must be a number between 0 and 1.");
      }
      const version = await platform.datasets.resolve(ref);
      const sample = parseInteger(o.perplexitySample, "--perplexity-sample", 1, 1_000_000);
      let scorer: (PerplexityScorer & { close(): Promise<void> }) | null = null;
      if (o.model) {
        const model = await platform.registry.resolve(o.model);
        const { openModelScorer } = await import("../../data/report/model-scorer.js");
        scorer = await openModelScorer(await platform.artifacts.localPath(model.artifactHash), model.ref);
      }
      const bar = new ProgressBar("report");
      const report = await profileVersion(platform.datasets, version, {
        textField: o.textField,
        rules,
        pii: o.pii,
        nearDuplicateThreshold: near,
        perplexity: scorer ? { scorer, sample } : undefined,
        onProgress: (p) => bar.update(p.rows / Math.max(1, p.total), `${p.rows}/${p.total} rows`),
      }).finally(async () => {
        bar.done();
        await scorer?.close();
      });
      if (o.html) {
        const { renderReportHtml } = await import("../../data/report/html.js");
        const tmp = `${o.html}.tmp-${process.pid}`;
        await writeFile(tmp, renderReportHtml(report));
        await rename(tmp, o.html);
      }
      if (report.validation && !report.validation.passed) process.exitCode = EXIT_FAILED;
      if (wantsJson(command)) return printJson(report);
      printReport(report);
      if (o.html) process.stdout.write(`\nHTML report: ${o.html}\n`);
    }),
  );

  registerPiiCommands(data);
  registerDataKeyCommands(data);
  registerEraseCommand(data);
  return data;
}

function describeOrigin(v: DatasetVersion): string {
  if (v.lineage.input) return `${v.lineage.input.ref} via ${v.lineage.pipeline?.name ?? "pipeline"}`;
  if (v.lineage.sources) return v.lineage.sources.map((s) => s.file).join(", ");
  return "-";
}

function printVersion(v: DatasetVersionDetail): void {
  printFields({
    version: v.ref,
    rows: v.rowCount,
    size: `${formatBytes(v.bytes)} JSONL, ${formatBytes(v.storedBytes)} stored in ${v.shardCount} shard(s)`,
    sha256: v.contentHash,
    "text field": v.textField,
    encrypted: v.encrypted ? `yes (AES-256-GCM, data key ${v.encryptionKeyId})` : "no",
    ...(v.erasedAt ? { erased: `${v.erasedAt} (tombstone ${v.erasureId})` } : {}),
    created: `${v.createdAt} by ${v.createdBy}`,
    description: v.description,
  });
  process.stdout.write(`\n${pc.bold("schema")}\n`);
  printTable(Object.entries(v.schema.fields), {
    FIELD: ([name]) => name,
    TYPE: ([, f]) => (f.types.length ? f.types.join("|") : "null"),
    NULLABLE: ([, f]) => (f.nullable ? "yes" : "no"),
    NULLS: ([, f]) => f.nulls,
    MISSING: ([, f]) => f.missing,
  });
  process.stdout.write(`\n${pc.bold("shards")}\n`);
  printTable(v.shards, {
    SHARD: (s) => s.shard,
    ROWS: (s) => s.rowCount,
    "FIRST ROW": (s) => s.firstRow,
    SIZE: (s) => formatBytes(s.bytes),
    STORED: (s) => formatBytes(s.storedBytes),
    SHA256: (s) => s.artifactHash.slice(0, 12),
  });
  process.stdout.write(`\n${pc.bold("lineage")}\n`);
  const l = v.lineage;
  if (l.sources) {
    printTable(l.sources, {
      FILE: (s) => s.file,
      FORMAT: (s) => s.format,
      ROWS: (s) => s.rows,
      BYTES: (s) => formatBytes(s.bytes),
      SHA256: (s) => s.sha256.slice(0, 12),
    });
  }
  if (l.input) {
    printFields({
      input: `${l.input.ref} (sha256 ${l.input.contentHash.slice(0, 12)}…)`,
      pipeline: `${l.pipeline?.name ?? "-"} (sha256 ${l.pipeline?.sha256.slice(0, 12)}…)`,
    });
    if (l.steps) printSteps(l.steps);
  }
}

function printSteps(steps: NonNullable<DatasetVersion["lineage"]["steps"]>): void {
  printTable(steps, {
    STEP: (s) => s.step,
    IN: (s) => s.rowsIn,
    OUT: (s) => s.rowsOut,
    DROPPED: (s) => s.dropped,
    SECONDS: (s) => s.seconds,
  });
}

function printRun(result: PipelineResult): void {
  printSteps(result.steps);
  if (result.validation) {
    process.stdout.write("\n");
    printValidation(result.validation);
  }
  if (result.version) {
    const v = result.version;
    process.stdout.write(
      `\n${pc.green("created")} ${pc.bold(v.ref)} from ${result.input.ref}: ${v.rowCount} of ${result.input.rowCount} rows kept ` +
        `in ${result.seconds}s, sha256 ${v.contentHash.slice(0, 12)}…\n`,
    );
  } else {
    process.stdout.write(`\n${pc.red("validation failed:")} no version was created.\n`);
  }
}

function printValidation(v: ValidationReport): void {
  printTable(v.rules, {
    RULE: (r) => r.description,
    RESULT: (r) => (r.passed ? pc.green("pass") : pc.red("FAIL")),
    VIOLATIONS: (r) => r.violations,
    CHECKED: (r) => r.checked,
    EXAMPLES: (r) =>
      r.examples.map((e) => `${e.address.shard}:${e.address.index}=${JSON.stringify(e.value).slice(0, 40)}`),
  });
}

function printReport(r: DatasetReport): void {
  printFields({
    dataset: r.dataset.ref,
    rows: r.dataset.rows,
    "text field": r.textField,
    length: `min ${r.length.min ?? "-"} · median ${r.length.quantiles.p50 ?? "-"} · p95 ${r.length.quantiles.p95 ?? "-"} · max ${r.length.max ?? "-"} chars`,
    "without text": r.length.rowsWithoutText,
    languages: r.languages,
    "exact duplicates": `${r.duplicates.exact} (${pct(r.duplicates.exactRate)})`,
    "near duplicates":
      r.duplicates.near === null
        ? "not measured (--near-dup)"
        : `${r.duplicates.near} (${pct(r.duplicates.nearRate ?? 0)}) at ${r.duplicates.nearThreshold}`,
    pii: r.pii
      ? `${r.pii.rowsWithPii} rows (${pct(r.pii.rowRate)}) ${Object.entries(r.pii.byType)
          .map(([t, n]) => `${t}=${n}`)
          .join(" ")}`
      : "not scanned",
    outliers: `${r.outliers.iqr.count} outside IQR fences ${r.outliers.iqr.low}…${r.outliers.iqr.high}; ${r.outliers.robustZ.count} with robust |z| > ${r.outliers.robustZ.threshold}`,
  });
  process.stdout.write(`\n${pc.bold("fields")}\n`);
  printTable(r.fields, {
    FIELD: (f) => f.name,
    TYPE: (f) => f.types.join("|"),
    NULLABLE: (f) => (f.nullable ? "yes" : "no"),
    "NULL RATE": (f) => pct(f.nullRate),
  });
  if (r.outliers.examples.length) {
    process.stdout.write(`\n${pc.bold("length outliers")}\n`);
    printTable(r.outliers.examples, {
      ROW: (e) => `${e.shard}:${e.index}`,
      LENGTH: (e) => e.length,
      "|Z|": (e) => e.score,
      TEXT: (e) => e.preview.slice(0, 60),
    });
  }
  if (r.perplexity) {
    const p = r.perplexity;
    process.stdout.write(
      `\n${pc.bold("perplexity")} under ${p.model}: ${p.scored} rows scored (${p.skipped} skipped), ` +
        `median ${p.median ?? "-"}, p95 ${p.p95 ?? "-"}; ${p.count} with robust |z| > ${p.threshold}\n`,
    );
    if (p.examples.length) {
      printTable(p.examples, {
        ROW: (e) => `${e.shard}:${e.index}`,
        PERPLEXITY: (e) => e.perplexity,
        Z: (e) => e.score,
        TEXT: (e) => e.preview.slice(0, 60),
      });
    }
  }
  if (r.validation) {
    process.stdout.write(`\n${pc.bold("validation")} ${r.validation.passed ? pc.green("passed") : pc.red("FAILED")}\n`);
    printValidation(r.validation);
  }
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** A one-line progress bar on stderr, drawn only at a terminal and at most ten times a second. */
class ProgressBar {
  private last = 0;
  private drawn = false;
  private readonly started = Date.now();
  private readonly enabled = Boolean(process.stderr.isTTY);

  constructor(private readonly label: string) {}

  update(fraction: number, detail: string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    const width = 24;
    const f = Math.min(1, Math.max(0, fraction));
    const filled = Math.round(f * width);
    const elapsed = ((now - this.started) / 1000).toFixed(0);
    const line = `${this.label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(f * 100).toFixed(0).padStart(3)}% ${detail} ${elapsed}s`;
    const columns = process.stderr.columns ?? 100;
    process.stderr.write(`\r${line.slice(0, columns - 1)}\u001b[K`);
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) process.stderr.write("\r\u001b[K");
  }
}
