// Exact deduplication: keeps the first row of each normalised text (case, whitespace and
// punctuation ignored by default). Memory: a 64-bit hash per kept row in an open-addressing
// table, 18–36 bytes per row.
import { z } from "zod";
import { dedupHash } from "../../text/dedup-key.js";
import { combine32, HashSet64 } from "../../text/hash.js";
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
        let [hi, lo] = dedupHash(textOrJson(row[fields[0]!]), options.normalize);
        for (let i = 1; i < fields.length; i++) {
          // Order-dependent, so fields (a, b) and (b, a) make different keys.
          const [h, l] = dedupHash(textOrJson(row[fields[i]!]), options.normalize);
          hi = combine32(hi, h);
          lo = combine32(lo, l);
        }
        return seen.add(hi, lo) ? row : drop("duplicate");
      },
      stats: () => ({ unique: seen.size, index_bytes: seen.bytes }),
    };
  },
});

function textOrJson(value: Row[string] | undefined): string {
  return typeof value === "string" ? value : JSON.stringify(value ?? null);
}
