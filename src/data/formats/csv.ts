// CSV (and TSV) with a real parser (csv-parse): quoted fields may hold delimiters, quotes and
// newlines. The first record names the columns. Values stay strings; an empty unquoted value is
// null (CSV has no other way to say "missing"), a quoted empty string stays "".
import { pipeline, Readable } from "node:stream";
import { type CsvError, parse } from "csv-parse";
import { invalidRequest, isLlmopsError } from "../../errors.js";
import type { TextSource } from "../io/source.js";
import type { Row } from "../types.js";
import type { ReadOptions } from "./types.js";

const BATCH = 1000;

export async function* readCsv(source: TextSource, name: string, options: ReadOptions): AsyncGenerator<Row[]> {
  const parser = parse({
    columns: (header: string[]) => checkHeader(header, name),
    delimiter: options.delimiter,
    skip_empty_lines: true,
    max_record_size: options.maxLineChars,
    cast: (value, context) => (context.header || context.quoting || value !== "" ? value : null),
  });
  const input = Readable.from(source.chunks(), { objectMode: false });
  pipeline(input, parser, () => {});
  let batch: Row[] = [];
  try {
    for await (const record of parser as AsyncIterable<Row>) {
      batch.push(record);
      if (batch.length >= BATCH) {
        yield batch;
        batch = [];
      }
    }
  } catch (error) {
    if (isLlmopsError(error)) throw error;
    const csv = error as CsvError & { lines?: number };
    const line = csv.lines ?? parser.info.lines;
    throw invalidRequest(`${name}:${line}: malformed CSV (${csv.message}).`, "file");
  } finally {
    input.destroy();
  }
  if (batch.length) yield batch;
}

function checkHeader(header: string[], name: string): string[] {
  const seen = new Set<string>();
  header.forEach((column, i) => {
    if (column === "") throw invalidRequest(`${name}:1: CSV column ${i + 1} has no name in the header row.`, "file");
    if (seen.has(column))
      throw invalidRequest(`${name}:1: CSV column '${column}' appears twice in the header.`, "file");
    seen.add(column);
  });
  return header;
}
