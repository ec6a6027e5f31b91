// `data ingest`: reads JSONL, CSV or plain text files (gzip'd or not) as a stream into a new
// immutable version. Every file is checked to exist and have a known format before anything is
// written; a malformed line anywhere aborts the whole ingest and registers nothing.
import { stat } from "node:fs/promises";
import path from "node:path";
import { invalidRequest, notFound } from "../errors.js";
import type { DatasetStore } from "./datasets.js";
import { assertFormat, detectFormat, type InputFormat, readers } from "./formats/index.js";
import { openTextSource } from "./io/source.js";
import { assertDatasetName } from "./refs.js";
import type { DatasetVersion, SourceFile } from "./types.js";

export interface IngestInput {
  files: string[];
  name: string;
  /** Overrides detection by file extension for every file. */
  format?: string | undefined;
  /** The field holding the main text: plain-text rows are stored in it (default `text`). */
  textField?: string | undefined;
  textUnit?: "line" | "paragraph" | undefined;
  description?: string | undefined;
  actor: string;
  shardBytes?: number | undefined;
  /** Encrypt the shards at rest with the dataset's data key (needs the master key). */
  encrypt?: boolean | undefined;
  /** Longest line / record / paragraph accepted, in characters (default 64 Mi). */
  maxLineChars?: number | undefined;
  onProgress?: ((progress: IngestProgress) => void) | undefined;
}

export interface IngestProgress {
  file: string;
  bytesRead: number;
  totalBytes: number;
  rows: number;
}

const DEFAULT_MAX_LINE = 64 * 1024 * 1024;

export async function ingest(datasets: DatasetStore, input: IngestInput): Promise<DatasetVersion> {
  const name = assertDatasetName(input.name);
  if (input.files.length === 0) throw invalidRequest("Name at least one file to ingest.", "file");
  const textField = input.textField ?? "text";
  if (textField.length === 0) throw invalidRequest("--text-field must not be empty.", "--text-field");
  const plan: Array<{ file: string; format: InputFormat; delimiter: string; size: number }> = [];
  for (const file of input.files) {
    const resolved = path.resolve(file);
    const info = await stat(resolved).catch(() => null);
    if (!info) throw notFound(`Input file ${file} does not exist.`, "file");
    if (!info.isFile()) throw invalidRequest(`Input ${file} is not a regular file.`, "file");
    const detected = input.format === undefined ? detectFormat(resolved) : null;
    const format = input.format === undefined ? detected!.format : assertFormat(input.format);
    const delimiter = detected?.delimiter ?? (/\.tsv(\.gz)?$/i.test(resolved) ? "\t" : ",");
    plan.push({ file: resolved, format, delimiter, size: info.size });
  }
  const totalBytes = plan.reduce((sum, p) => sum + p.size, 0);
  let bytesRead = 0;
  const writer = input.encrypt
    ? await datasets.openSealedWriter(name, input.actor, { shardBytes: input.shardBytes })
    : datasets.openWriter({ shardBytes: input.shardBytes });
  const sources: SourceFile[] = [];
  try {
    for (const item of plan) {
      const shown = path.basename(item.file);
      const source = await openTextSource(item.file, (delta) => {
        bytesRead += delta;
        input.onProgress?.({ file: shown, bytesRead, totalBytes, rows: writer.rows });
      });
      const before = writer.rows;
      const rows = readers[item.format](source, shown, {
        textField,
        textUnit: input.textUnit ?? "line",
        delimiter: item.delimiter,
        maxLineChars: input.maxLineChars ?? DEFAULT_MAX_LINE,
      });
      for await (const batch of rows) {
        for (const row of batch) {
          const wait = writer.write(row);
          if (wait) await wait;
        }
      }
      sources.push({
        file: shown,
        path: item.file,
        format: item.format,
        sha256: source.sha256(),
        bytes: source.bytesRead(),
        rows: writer.rows - before,
      });
    }
    if (writer.rows === 0) {
      throw invalidRequest(`No rows found in ${plan.map((p) => path.basename(p.file)).join(", ")}; nothing to ingest.`);
    }
    const fields = writer.schema.result().fields;
    if (input.textField !== undefined && !fields[textField]) {
      throw invalidRequest(
        `No row has the field '${textField}' named by --text-field; the fields are: ${Object.keys(fields).join(", ")}.`,
        "--text-field",
      );
    }
    return await writer.commit({
      name,
      actor: input.actor,
      description: input.description,
      textField: fields[textField] ? textField : null,
      lineage: { sources },
    });
  } catch (error) {
    await writer.abort();
    throw error;
  }
}
