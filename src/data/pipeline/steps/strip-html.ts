// HTML and markup stripping with node-html-parser (a fast, tolerant parser): scripts, styles and
// comments go, entities are decoded, block elements become line breaks. Text without anything
// that looks like a tag or an entity skips the parser, so clean text costs one regex test.
import { parse } from "node-html-parser";
import { z } from "zod";
import type { Row } from "../../types.js";
import { defineStep, drop } from "../step.js";

const LOOKS_LIKE_MARKUP = /<[a-zA-Z!/?]|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]{1,31});/;

export const stripHtmlStep = defineStep({
  name: "strip-html",
  summary: "strip HTML tags, scripts, styles and comments; decode entities; blocks become lines",
  options: z.strictObject({
    fields: z.array(z.string().min(1)).min(1).optional(),
    drop_empty: z.boolean().default(true),
  }),
  create(options, context) {
    const fields = options.fields ?? [context.textField];
    let stripped = 0;
    return {
      process(row: Row) {
        let empty = false;
        for (const field of fields) {
          const value = row[field];
          if (typeof value !== "string" || !LOOKS_LIKE_MARKUP.test(value)) continue;
          const root = parse(value, {
            comment: false,
            blockTextElements: { script: false, style: false, noscript: false, template: false, pre: true },
          });
          const text = root.structuredText.trim();
          if (text !== value) {
            row[field] = text;
            stripped++;
          }
          if (text.length === 0) empty = true;
        }
        return empty && options.drop_empty ? drop("empty_after_markup") : row;
      },
      stats: () => ({ stripped }),
    };
  },
});
