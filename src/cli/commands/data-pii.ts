// `llmops data pii scan`: find personal data in a JSONL file of {"id","text"} rows. The detectors and
// the streaming scan live in src/data/pii; this file parses flags and prints the summary.
import type { Command } from "commander";
import type { ScanSummary } from "../../data/pii/scan-jsonl.js";
import { PII_TYPES, type PiiType } from "../../data/pii/types.js";
import { LlmopsError } from "../../errors.js";
import { jsonOption, runAction, wantsJson } from "../context.js";

function usage(message: string, param: string): LlmopsError {
  return new LlmopsError("usage", message, { param });
}

function parseTypes(value: string | undefined): PiiType[] | undefined {
  if (value === undefined) return undefined;
  const types = value
    .split(",")
    .map((t) => t.trim().toUpperCase())
    .filter(Boolean);
  const unknown = types.filter((t) => !(PII_TYPES as readonly string[]).includes(t));
  if (types.length === 0 || unknown.length > 0) {
    throw usage(
      `--types: unknown type ${unknown.join(", ") || "(empty)"}; choose from ${PII_TYPES.join(",")}`,
      "types",
    );
  }
  return types as PiiType[];
}

function parseMinScore(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0 || n > 1) {
    throw usage(`--min-score must be a number from 0 to 1, got '${value}'`, "min-score");
  }
  return n;
}

function describe(s: ScanSummary): string {
  const types = Object.entries(s.byType)
    .filter(([, n]) => n > 0)
    .map(([t, n]) => `${t} ${n}`)
    .join(", ");
  return (
    `scanned ${s.rows} rows (${(s.bytes / 1e6).toFixed(2)} MB) in ${s.seconds.toFixed(2)} s, ${s.mbPerSecond.toFixed(1)} MB/s: ` +
    `${s.rowsWithPii} rows with PII, ${s.spans} spans${types ? ` (${types})` : ""}${s.output ? ` → ${s.output}` : ""}\n`
  );
}

/** Adds `pii scan` under the `data` verb group. */
export function registerPiiCommands(dataGroup: Command): void {
  const pii = dataGroup.command("pii").description("find personal data (zh/en) in JSONL text");
  jsonOption(
    pii
      .command("scan")
      .description('read JSONL {"id","text"} rows and write {"id","spans":[{"start","end","type","score"}]} rows')
      .requiredOption("-i, --input <file>", 'JSONL file with one {"id","text"} object per line')
      .option("-o, --output <file>", "write span rows here (atomically) instead of stdout")
      .option("--types <list>", `only these types, comma-separated (${PII_TYPES.join(",")})`)
      .option("--min-score <n>", "drop detections below this confidence, 0–1 (default 0.5)"),
  ).action(
    runAction(async (command) => {
      const o = command.opts<{ input: string; output?: string; types?: string; minScore?: string }>();
      const types = parseTypes(o.types);
      const minScore = parseMinScore(o.minScore);
      const { scanJsonlFile } = await import("../../data/pii/scan-jsonl.js");
      // A progress line on stderr, only at a terminal (scripts and CI get clean stderr).
      const tty = process.stderr.isTTY === true;
      const onProgress = tty
        ? ({ rows, bytes }: { rows: number; bytes: number }) =>
            process.stderr.write(`\rscanning… ${rows} rows, ${(bytes / 1e6).toFixed(0)} MB`)
        : undefined;
      const summary = await scanJsonlFile(o.input, { output: o.output, types, minScore, onProgress });
      if (tty && summary.bytes >= 4e6) process.stderr.write("\r\x1b[K");
      if (wantsJson(command)) {
        // Span rows own stdout when there is no --output; the summary then goes to stderr.
        const json = `${JSON.stringify(summary, null, 2)}\n`;
        if (o.output) process.stdout.write(json);
        else process.stderr.write(json);
        return;
      }
      process.stderr.write(describe(summary));
    }),
  );
}
