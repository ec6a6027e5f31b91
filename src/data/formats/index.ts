// Input formats by name, and format detection from the file name (a `.gz` suffix is looked through;
// gzip itself is recognised by its magic bytes, whatever the name).
import path from "node:path";
import { LlmopsError } from "../../errors.js";
import { readCsv } from "./csv.js";
import { readJsonl } from "./jsonl.js";
import { readText } from "./text.js";
import { type FormatReader, INPUT_FORMATS, type InputFormat } from "./types.js";

export type { FormatReader, InputFormat, ReadOptions } from "./types.js";
export { INPUT_FORMATS } from "./types.js";

export const readers: Record<InputFormat, FormatReader> = { jsonl: readJsonl, csv: readCsv, text: readText };

const byExtension: Record<string, InputFormat> = {
  ".jsonl": "jsonl",
  ".ndjson": "jsonl",
  ".csv": "csv",
  ".tsv": "csv",
  ".txt": "text",
  ".text": "text",
  ".md": "text",
};

export function detectFormat(file: string): { format: InputFormat; delimiter: string } {
  const base = path.basename(file).toLowerCase().replace(/\.gz$/, "");
  const ext = path.extname(base);
  const format = byExtension[ext];
  if (!format) {
    throw new LlmopsError(
      "usage",
      `Cannot tell the format of ${path.basename(file)} from its name; pass --format ${INPUT_FORMATS.join("|")}.`,
      { param: "--format" },
    );
  }
  return { format, delimiter: ext === ".tsv" ? "\t" : "," };
}

export function assertFormat(value: string): InputFormat {
  if (!(INPUT_FORMATS as readonly string[]).includes(value)) {
    throw new LlmopsError("usage", `Unknown format '${value}': use one of ${INPUT_FORMATS.join(", ")}.`, {
      param: "--format",
    });
  }
  return value as InputFormat;
}
