// How every command prints: human tables by default, one JSON document with --json, errors on
// stderr with the exit codes 0 (ok), 1 (failed) and 2 (usage).
import pc from "picocolors";
import { isLlmopsError, type LlmopsError } from "../errors.js";

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export interface OutputOptions {
  json?: boolean;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints rows as an aligned table; `columns` maps headers to row accessors. */
export function printTable<T>(rows: T[], columns: Record<string, (row: T) => unknown>): void {
  const headers = Object.keys(columns);
  const cells = rows.map((row) => headers.map((h) => formatCell(columns[h]!(row))));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => visibleLength(r[i]!))));
  const line = (values: string[]) => values.map((v, i) => v + " ".repeat(widths[i]! - visibleLength(v))).join("  ");
  process.stdout.write(`${pc.bold(line(headers))}\n`);
  for (const row of cells) process.stdout.write(`${line(row).trimEnd()}\n`);
  if (rows.length === 0) process.stdout.write(`${pc.dim("(none)")}\n`);
}

/** Prints `key: value` lines for one object. */
export function printFields(fields: Record<string, unknown>): void {
  const width = Math.max(...Object.keys(fields).map((k) => k.length));
  for (const [key, value] of Object.entries(fields)) {
    process.stdout.write(`${pc.dim(`${key}:`.padEnd(width + 2))}${formatCell(value)}\n`);
  }
}

function formatCell(value: unknown): string {
  if (value === null || value === undefined || value === "") return "-";
  if (Array.isArray(value)) return value.length ? value.map(formatCell).join(", ") : "-";
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    return entries.length ? entries.map(([k, v]) => `${k}=${formatCell(v)}`).join(" ") : "-";
  }
  return String(value);
}

function visibleLength(text: string): number {
  return text.replace(/\u001b\[[0-9;]*m/g, "").length;
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value >= 100 || unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function formatCount(n: number | null): string {
  if (n === null) return "-";
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}

/** Prints an error for a person (or as JSON) and returns the exit code to use. */
export function reportError(error: unknown, options: OutputOptions = {}): number {
  const exitCode = isLlmopsError(error) && error.code === "usage" ? EXIT_USAGE : EXIT_FAILED;
  if (isLlmopsError(error)) {
    if (options.json) process.stdout.write(`${JSON.stringify(error.toJSON(), null, 2)}\n`);
    process.stderr.write(`${pc.red("error:")} ${error.message}\n`);
    return exitCode;
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  if (options.json) {
    const body = {
      error: { message: String((error as Error)?.message ?? error), type: "server_error", code: "internal" },
    };
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  }
  process.stderr.write(`${pc.red("internal error:")} ${message}\nThis is a bug in llmops; please report it.\n`);
  return exitCode;
}

export type { LlmopsError };
