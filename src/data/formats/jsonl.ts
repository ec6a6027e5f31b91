// JSON Lines: one JSON object per line; blank lines are skipped.
import { invalidRequest } from "../../errors.js";
import { LineSplitter, type TextSource } from "../io/source.js";
import type { Row } from "../types.js";
import type { ReadOptions } from "./types.js";

export async function* readJsonl(source: TextSource, name: string, options: ReadOptions): AsyncGenerator<Row[]> {
  const splitter = new LineSplitter(name, options.maxLineChars);
  let lineNo = 0;
  const lines: string[] = [];
  const parse = (): Row[] => {
    const rows: Row[] = [];
    for (const line of lines) {
      lineNo++;
      if (line.length === 0 || isBlank(line)) continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        throw invalidRequest(
          `${name}:${lineNo}: malformed JSON (${(error as Error).message}). Each line must hold one JSON object.`,
          "file",
        );
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        const kind = Array.isArray(value) ? "an array" : value === null ? "null" : `a ${typeof value}`;
        throw invalidRequest(`${name}:${lineNo}: the line holds ${kind}, not a JSON object.`, "file");
      }
      rows.push(value as Row);
    }
    lines.length = 0;
    return rows;
  };
  for await (const text of source.chunks()) {
    splitter.push(text, lines);
    const rows = parse();
    if (rows.length) yield rows;
  }
  splitter.end(lines);
  const rows = parse();
  if (rows.length) yield rows;
}

function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}
