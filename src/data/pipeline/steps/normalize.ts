// Unicode normalisation (NFKC by default): full-width letters and digits become ASCII, ligatures
// and compatibility forms are unfolded, so equal-looking text compares equal downstream.
import { z } from "zod";
import type { Row } from "../../types.js";
import { defineStep } from "../step.js";

export const normalizeStep = defineStep({
  name: "normalize",
  summary: "Unicode normalisation (NFKC by default) of the text field(s)",
  options: z.strictObject({
    form: z.enum(["NFKC", "NFC", "NFKD", "NFD"]).default("NFKC"),
    /** Fields to normalise (default: the text field). */
    fields: z.array(z.string().min(1)).min(1).optional(),
  }),
  create(options, context) {
    const fields = options.fields ?? [context.textField];
    let changed = 0;
    return {
      process(row: Row) {
        for (const field of fields) {
          const value = row[field];
          if (typeof value !== "string") continue;
          const normalised = value.normalize(options.form);
          if (normalised !== value) {
            row[field] = normalised;
            changed++;
          }
        }
        return row;
      },
      stats: () => ({ changed }),
    };
  },
});
