import type { TextSource } from "../io/source.js";
import type { Row } from "../types.js";

export const INPUT_FORMATS = ["jsonl", "csv", "text"] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export interface ReadOptions {
  /** The field plain-text rows are stored in (`text`). */
  textField: string;
  /** Plain text: one row per line, or per paragraph (lines up to a blank line). */
  textUnit: "line" | "paragraph";
  /** CSV field delimiter (`,`; `\t` for .tsv). */
  delimiter: string;
  /** Longest line (or CSV record, or paragraph) accepted, in characters. */
  maxLineChars: number;
}

/** Reads a decoded source as batches of rows; throws LlmopsError naming the file and line on bad input. */
export type FormatReader = (source: TextSource, name: string, options: ReadOptions) => AsyncGenerator<Row[]>;
