// Length filter on characters and words (CJK characters count as words: Chinese has no spaces).
import { z } from "zod";
import { countWords } from "../../text/quality.js";
import type { Row } from "../../types.js";
import { defineStep, drop, textOf } from "../step.js";

export const lengthFilterStep = defineStep({
  name: "length-filter",
  summary: "drop rows whose text is shorter or longer than limits in characters or words",
  options: z
    .strictObject({
      field: z.string().min(1).optional(),
      min_chars: z.number().int().min(0).optional(),
      max_chars: z.number().int().min(1).optional(),
      min_words: z.number().int().min(0).optional(),
      max_words: z.number().int().min(1).optional(),
    })
    .refine(
      (o) => Object.keys(o).some((k) => k !== "field"),
      "set at least one of min_chars, max_chars, min_words, max_words",
    ),
  create(options, context) {
    const field = options.field ?? context.textField;
    const words = options.min_words !== undefined || options.max_words !== undefined;
    return {
      process(row: Row) {
        const text = textOf(row, field);
        if (text === undefined) return drop("missing_text");
        const chars = text.length;
        if (options.min_chars !== undefined && chars < options.min_chars) return drop("too_short_chars");
        if (options.max_chars !== undefined && chars > options.max_chars) return drop("too_long_chars");
        if (words) {
          const n = countWords(text);
          if (options.min_words !== undefined && n < options.min_words) return drop("too_short_words");
          if (options.max_words !== undefined && n > options.max_words) return drop("too_long_words");
        }
        return row;
      },
    };
  },
});
