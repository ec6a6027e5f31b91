// Quality filter with Gopher's rules (Rae et al. 2021) as defaults; each threshold can be changed
// or switched off with null. A dropped row's reason names the first rule it failed.
// Mean word length only applies to text with space-separated words (not to Chinese).
import { z } from "zod";
import { qualityMetrics } from "../../text/quality.js";
import type { Row } from "../../types.js";
import { defineStep, drop, textOf } from "../step.js";

const limit = (value: number) => z.number().min(0).nullable().default(value);

export const qualityFilterStep = defineStep({
  name: "quality-filter",
  summary: "Gopher-style quality rules: symbol ratio, word shape, duplicated lines/paragraphs, n-gram repetition",
  options: z.strictObject({
    field: z.string().min(1).optional(),
    max_symbol_ratio: limit(0.3),
    max_hash_ellipsis_per_word: limit(0.1),
    min_alpha_word_fraction: limit(0.8),
    min_mean_word_length: limit(3),
    max_mean_word_length: limit(10),
    max_bullet_line_fraction: limit(0.9),
    max_ellipsis_line_fraction: limit(0.3),
    max_dup_line_fraction: limit(0.3),
    max_dup_line_char_fraction: limit(0.2),
    max_dup_paragraph_fraction: limit(0.3),
    max_dup_paragraph_char_fraction: limit(0.2),
    /** n-gram size → most characters the single most frequent n-gram may cover. */
    max_top_ngram_char_fraction: z
      .record(z.string(), z.number().min(0).max(1))
      .default({ "2": 0.2, "3": 0.18, "4": 0.16 }),
    /** n-gram size → most characters that may sit in repeated n-grams. */
    max_dup_ngram_char_fraction: z
      .record(z.string(), z.number().min(0).max(1))
      .default({ "5": 0.15, "6": 0.14, "7": 0.13, "8": 0.12, "9": 0.11, "10": 0.1 }),
    /** Rows with fewer words skip the ratio rules (too short to judge). */
    min_words_to_judge: z.number().int().min(0).default(5),
  }),
  create(o, context) {
    const field = o.field ?? context.textField;
    const over = (value: number, max: number | null) => max !== null && value > max;
    const under = (value: number, min: number | null) => min !== null && value < min;
    return {
      process(row: Row) {
        const text = textOf(row, field);
        if (text === undefined) return drop("missing_text");
        const m = qualityMetrics(text);
        if (m.words < o.min_words_to_judge) return row;
        if (over(m.symbolRatio, o.max_symbol_ratio)) return drop("symbol_ratio");
        if (over(m.hashEllipsisPerWord, o.max_hash_ellipsis_per_word)) return drop("hash_ellipsis_ratio");
        if (under(m.alphaWordFraction, o.min_alpha_word_fraction)) return drop("alpha_word_fraction");
        if (!Number.isNaN(m.meanWordLength) && m.cjkWordFraction < 0.5) {
          if (under(m.meanWordLength, o.min_mean_word_length)) return drop("mean_word_length");
          if (over(m.meanWordLength, o.max_mean_word_length)) return drop("mean_word_length");
        }
        if (over(m.bulletLineFraction, o.max_bullet_line_fraction)) return drop("bullet_lines");
        if (over(m.ellipsisLineFraction, o.max_ellipsis_line_fraction)) return drop("ellipsis_lines");
        if (over(m.dupLineFraction, o.max_dup_line_fraction)) return drop("dup_lines");
        if (over(m.dupLineCharFraction, o.max_dup_line_char_fraction)) return drop("dup_line_chars");
        if (over(m.dupParagraphFraction, o.max_dup_paragraph_fraction)) return drop("dup_paragraphs");
        if (over(m.dupParagraphCharFraction, o.max_dup_paragraph_char_fraction)) return drop("dup_paragraph_chars");
        for (const [n, max] of Object.entries(o.max_top_ngram_char_fraction)) {
          if (over(m.topNgramCharFraction[Number(n)] ?? 0, max)) return drop(`top_${n}gram`);
        }
        for (const [n, max] of Object.entries(o.max_dup_ngram_char_fraction)) {
          if (over(m.dupNgramCharFraction[Number(n)] ?? 0, max)) return drop(`dup_${n}gram`);
        }
        return row;
      },
    };
  },
});
