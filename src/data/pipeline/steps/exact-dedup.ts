// Exact deduplication: keeps the first row of each normalised text (case, whitespace and
// punctuation ignored by default). Memory: a 64-bit hash per kept row in an open-addressing
// table, 18–36 bytes per row.
import { z } from "zod";
import { dedupKey } from "../../text/dedup-key.js";
import { HashSet64, hash64 } from "../../text/hash.js";
import type { Row } from "../../types.js";
import { defineStep, drop } from "../step.js";

export const exactDedupStep = defineStep({
  name: "exact-dedup",
  summary: "drop rows whose (normalised) text was seen before",
  options: z.strictObject({
    /** Fields whose values together make the key (default: the text field). */
    fields: z.array(z.string().min(1)).min(1).optional(),
    /** Ignore case, Unicode compatibility forms, whitespace and punctuation. */
    normalize: z.boolean().default(true),
  }),
  create(options, context) {
    const fields = options.fields ?? [context.textField];
    const seen = new HashSet64(1 << 16);
    return {
      process(row: Row) {
        let key = "";
        for (const field of fields) {
          const value = row[field];
          const text = typeof value === "string" ? value : JSON.stringify(value ?? null);
          key += `${dedupKey(text, options.normalize)}\u0000`;
        }
        const [hi, lo] = hash64(key);
        return seen.add(hi, lo) ? row : drop("duplicate");
      },
      stats: () => ({ unique: seen.size, index_bytes: seen.bytes }),
    };
  },
});
