// Language identification (see text/lang.ts): writes the language code to a field and, with
// `keep`, drops rows in other languages (reason `language:xx`).
import { z } from "zod";
import { detectLanguage } from "../../text/lang.js";
import type { Row } from "../../types.js";
import { defineStep, drop, textOf } from "../step.js";

export const languageStep = defineStep({
  name: "language",
  summary: "identify the language (zh, en, ja, ko, fr, de, …) into a field; optionally keep only some",
  options: z.strictObject({
    field: z.string().min(1).optional(),
    /** Where the code goes (default `lang`); null writes nothing. */
    output_field: z.string().min(1).nullable().default("lang"),
    keep: z.array(z.string().min(2)).min(1).optional(),
    /** Guesses below this confidence count as `und`. */
    min_confidence: z.number().min(0).max(1).default(0),
  }),
  create(options, context) {
    const field = options.field ?? context.textField;
    const keep = options.keep ? new Set(options.keep) : null;
    const counts: Record<string, number> = {};
    return {
      process(row: Row) {
        const text = textOf(row, field) ?? "";
        const guess = detectLanguage(text);
        const lang = guess.confidence >= options.min_confidence ? guess.lang : "und";
        counts[lang] = (counts[lang] ?? 0) + 1;
        if (options.output_field) row[options.output_field] = lang;
        return keep && !keep.has(lang) ? drop(`language:${lang}`) : row;
      },
      stats: () => ({ languages: counts }),
    };
  },
});
