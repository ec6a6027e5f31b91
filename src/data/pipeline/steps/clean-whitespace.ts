// Whitespace and control-character cleanup: control characters (except tab and newline), zero-width
// characters and byte-order marks are removed, runs of spaces collapse to one, trailing spaces go,
// and more than `max_newlines` consecutive line breaks are cut down. Rows left empty are dropped.
import { z } from "zod";
import type { Row } from "../../types.js";
import { defineStep, drop } from "../step.js";

// C0 except \t \n, DEL, C1 (\r is handled as a line break first), zero-width characters, BOM, soft hyphen.
const INVISIBLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200d\u2060\ufeff\u00ad]/g;
// Horizontal whitespace other than one plain space: runs of two or more, or any tab, no-break,
// ideographic or typographic space. A lone " " (by far the most common) is left alone.
const SPACES = /[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]{2,}|[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/g;
const TRAILING = /[ \t]+$/gm;
const LEADING = /^[ \t]+/gm;

export const cleanWhitespaceStep = defineStep({
  name: "clean-whitespace",
  summary: "remove control and zero-width characters, collapse spaces, limit blank lines, drop empty rows",
  options: z.strictObject({
    fields: z.array(z.string().min(1)).min(1).optional(),
    /** Most consecutive line breaks kept (2 keeps paragraph breaks; 1 makes every text one block). */
    max_newlines: z.number().int().min(0).default(2),
    /** Also strip spaces at the start of lines (code and poetry may want them). */
    strip_line_indent: z.boolean().default(false),
    drop_empty: z.boolean().default(true),
  }),
  create(options, context) {
    const fields = options.fields ?? [context.textField];
    const newlines = options.max_newlines === 0 ? null : new RegExp(`\\n{${options.max_newlines + 1},}`, "g");
    const keep = "\n".repeat(options.max_newlines);
    let changed = 0;
    return {
      process(row: Row) {
        let empty = false;
        for (const field of fields) {
          const value = row[field];
          if (typeof value !== "string") continue;
          let text = value.includes("\r") ? value.replace(/\r\n?/g, "\n") : value;
          text = text.replace(INVISIBLE, "").replace(SPACES, " ").replace(TRAILING, "");
          if (options.strip_line_indent) text = text.replace(LEADING, "");
          text = newlines ? text.replace(newlines, keep) : text.replace(/\n+/g, " ");
          text = text.trim();
          if (text !== value) {
            row[field] = text;
            changed++;
          }
          if (text.length === 0) empty = true;
        }
        return empty && options.drop_empty ? drop("empty") : row;
      },
      stats: () => ({ changed }),
    };
  },
});
