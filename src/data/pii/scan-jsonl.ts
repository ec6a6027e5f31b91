// Streams a JSONL file of {"id","text"} rows through detectPii and writes {"id","spans":[…]} rows:
// line by line with bounded memory (one line at a time, ≤ MAX_LINE_BYTES), strict UTF-8, and an
// error naming the file and line for anything malformed. Writing to a path goes through a temp file
// renamed into place only after the last row, so a failed scan never leaves a partial output file.
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { rename, unlink } from "node:fs/promises";
import path from "node:path";
import type { Writable } from "node:stream";
import { invalidRequest, LlmopsError } from "../../errors.js";
import { checkDetectOptions, type DetectOptions, detectPii } from "./detect.js";
import { PII_TYPES, type PiiType } from "./types.js";

export const MAX_LINE_BYTES = 64 * 1024 * 1024;

export interface ScanSummary {
  input: string;
  output: string | null;
  rows: number;
  rowsWithPii: number;
  spans: number;
  byType: Record<PiiType, number>;
  bytes: number;
  seconds: number;
  mbPerSecond: number;
}

export interface OutputSpan {
  start: number;
  end: number;
  type: PiiType;
  score: number;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

function bad(file: string, line: number, problem: string): LlmopsError {
  return invalidRequest(
    `${file}:${line}: ${problem}; each line must be a JSON object like {"id": "row-1", "text": "…"}`,
    "input",
  );
}

/** Parses one JSONL line into its id and text, or throws an error naming file and line. */
function parseRow(file: string, lineNo: number, bytes: Buffer): { id: string | number; text: string } | null {
  let line: string;
  try {
    line = decoder.decode(bytes);
  } catch {
    throw bad(file, lineNo, "invalid UTF-8 (re-encode the file as UTF-8)");
  }
  if (lineNo === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
  if (line.trim() === "") return null;
  let row: unknown;
  try {
    row = JSON.parse(line);
  } catch (error) {
    throw bad(file, lineNo, `invalid JSON (${(error as Error).message})`);
  }
  if (typeof row !== "object" || row === null || Array.isArray(row)) throw bad(file, lineNo, "not a JSON object");
  const { id, text } = row as { id?: unknown; text?: unknown };
  if (text === undefined) throw bad(file, lineNo, 'missing "text"');
  if (typeof text !== "string") throw bad(file, lineNo, `"text" must be a string, got ${jsonType(text)}`);
  if (id === undefined) throw bad(file, lineNo, 'missing "id"');
  if (typeof id !== "string" && typeof id !== "number") {
    throw bad(file, lineNo, `"id" must be a string or a number, got ${jsonType(id)}`);
  }
  return { id, text };
}

function jsonType(value: unknown): string {
  return value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
}

/** Yields the lines of a file as Buffers (without "\n" / "\r\n"), never holding more than one line plus a chunk. */
async function* lines(file: string, maxLineBytes: number): AsyncGenerator<Buffer> {
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const take = (tail: Buffer): Buffer => {
    const parts = pending.length ? [...pending, tail] : [tail];
    pending = [];
    pendingBytes = 0;
    const line = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    return line.length > 0 && line[line.length - 1] === 0x0d ? line.subarray(0, line.length - 1) : line;
  };
  let lineNo = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let at = 0;
      for (let nl = chunk.indexOf(0x0a, at); nl >= 0; nl = chunk.indexOf(0x0a, at)) {
        lineNo++;
        if (pendingBytes + nl - at > maxLineBytes) throw bad(file, lineNo, `line longer than ${maxLineBytes} bytes`);
        yield take(chunk.subarray(at, nl));
        at = nl + 1;
      }
      if (at < chunk.length) {
        pending.push(chunk.subarray(at));
        pendingBytes += chunk.length - at;
        if (pendingBytes > maxLineBytes) throw bad(file, lineNo + 1, `line longer than ${maxLineBytes} bytes`);
      }
    }
  } catch (error) {
    if (error instanceof LlmopsError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw invalidRequest(`input file not found: ${file}`, "input");
    if (code === "EISDIR") throw invalidRequest(`input is a directory, not a JSONL file: ${file}`, "input");
    throw invalidRequest(`cannot read ${file}: ${(error as Error).message}`, "input");
  } finally {
    stream.destroy();
  }
  if (pendingBytes > 0) yield take(Buffer.alloc(0));
}

/** Writes with backpressure; a closed reader (`| head`) or a full disk rejects instead of hanging. */
async function write(stream: Writable, data: string): Promise<void> {
  if (stream.write(data)) return;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => {
      stream.off("drain", onDrain);
      reject(invalidRequest(`cannot write the span rows: ${error.message}`, "output"));
    };
    const onDrain = () => {
      stream.off("error", onError);
      resolve();
    };
    stream.once("drain", onDrain);
    stream.once("error", onError);
  });
}

async function closeFile(stream: WriteStream): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    stream.once("error", reject);
    stream.end(() => resolve());
  });
}

/**
 * Scans `input` and writes span rows to `output` (a path, written atomically) or to `sink` (e.g.
 * stdout) when `output` is undefined.
 */
export interface ScanJsonlOptions extends DetectOptions {
  /** Write span rows to this path (via a temp file renamed at the end). */
  output?: string;
  /** Otherwise write them here (default process.stdout). */
  sink?: Writable;
  /** Longest accepted line in bytes (default MAX_LINE_BYTES): memory stays bounded by it. */
  maxLineBytes?: number;
  /** Called about every 4 MB of input, for progress display. */
  onProgress?: (progress: { rows: number; bytes: number }) => void;
}

export async function scanJsonlFile(input: string, options: ScanJsonlOptions = {}): Promise<ScanSummary> {
  checkDetectOptions(options);
  const started = process.hrtime.bigint();
  const byType = Object.fromEntries(PII_TYPES.map((t) => [t, 0])) as Record<PiiType, number>;
  const summary: ScanSummary = {
    input,
    output: options.output ?? null,
    rows: 0,
    rowsWithPii: 0,
    spans: 0,
    byType,
    bytes: 0,
    seconds: 0,
    mbPerSecond: 0,
  };
  let file: WriteStream | undefined;
  let temp: string | undefined;
  let out: Writable;
  if (options.output !== undefined) {
    const target = path.resolve(options.output);
    temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
    file = createWriteStream(temp, { flags: "wx" });
    const opened = file;
    await new Promise<void>((resolve, reject) => {
      opened.once("open", () => resolve());
      opened.once("error", (error) =>
        reject(invalidRequest(`cannot write next to ${options.output}: ${error.message}`, "output")),
      );
    });
    out = file;
  } else {
    out = options.sink ?? process.stdout;
  }
  const detectOptions: DetectOptions = { minScore: options.minScore, types: options.types };
  try {
    let lineNo = 0;
    let buffered = "";
    let nextProgress = 4e6;
    for await (const bytes of lines(input, options.maxLineBytes ?? MAX_LINE_BYTES)) {
      lineNo++;
      summary.bytes += bytes.length + 1;
      if (options.onProgress && summary.bytes >= nextProgress) {
        nextProgress += 4e6;
        options.onProgress({ rows: summary.rows, bytes: summary.bytes });
      }
      const row = parseRow(input, lineNo, bytes);
      if (row === null) continue;
      const spans: OutputSpan[] = detectPii(row.text, detectOptions).map(({ start, end, type, score }) => ({
        start,
        end,
        type,
        score: Math.round(score * 1000) / 1000,
      }));
      summary.rows++;
      if (spans.length > 0) summary.rowsWithPii++;
      summary.spans += spans.length;
      for (const s of spans) byType[s.type]++;
      buffered += `${JSON.stringify({ id: row.id, spans })}\n`;
      if (buffered.length >= 1 << 16) {
        await write(out, buffered);
        buffered = "";
      }
    }
    if (buffered) await write(out, buffered);
    if (file && temp) {
      await closeFile(file);
      await rename(temp, path.resolve(options.output!));
      temp = undefined;
    }
  } finally {
    if (file && temp) {
      file.destroy();
      await unlink(temp).catch(() => undefined);
    }
  }
  summary.seconds = Number(process.hrtime.bigint() - started) / 1e9;
  summary.mbPerSecond = summary.seconds > 0 ? summary.bytes / 1e6 / summary.seconds : 0;
  return summary;
}
