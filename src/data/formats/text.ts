// Plain text: one row per non-blank line, or one per paragraph (lines up to a blank line, joined
// with "\n"). Each row is `{ [textField]: text }`.
import { invalidRequest } from "../../errors.js";
import { LineSplitter, type TextSource } from "../io/source.js";
import type { Row } from "../types.js";
import type { ReadOptions } from "./types.js";

export async function* readText(source: TextSource, name: string, options: ReadOptions): AsyncGenerator<Row[]> {
  const splitter = new LineSplitter(name, options.maxLineChars);
  const field = options.textField;
  const lines: string[] = [];
  let paragraph: string[] = [];
  let paragraphChars = 0;
  let lineNo = 0;
  const collect = (): Row[] => {
    const rows: Row[] = [];
    for (const line of lines) {
      lineNo++;
      const blank = line.trim().length === 0;
      if (options.textUnit === "line") {
        if (!blank) rows.push({ [field]: line });
        continue;
      }
      if (blank) {
        if (paragraph.length) rows.push({ [field]: paragraph.join("\n") });
        paragraph = [];
        paragraphChars = 0;
      } else {
        paragraph.push(line);
        paragraphChars += line.length + 1;
        if (paragraphChars > options.maxLineChars) {
          throw invalidRequest(
            `${name}:${lineNo}: a paragraph is longer than ${options.maxLineChars} characters; ` +
              "separate paragraphs with blank lines or ingest one row per line (--text-unit line).",
            "file",
          );
        }
      }
    }
    lines.length = 0;
    return rows;
  };
  for await (const text of source.chunks()) {
    splitter.push(text, lines);
    const rows = collect();
    if (rows.length) yield rows;
  }
  splitter.end(lines);
  const rows = collect();
  if (paragraph.length) rows.push({ [field]: paragraph.join("\n") });
  if (rows.length) yield rows;
}
