// PII handling with the PII library (../../pii): finds personal data in the text field(s) and masks
// it, replaces it with keyed pseudonyms (the same value gives the same token across the dataset),
// or drops the row. The pseudonym key comes from an environment variable, never from the YAML, so
// pipeline files (which are stored in lineage) never hold it.
import { z } from "zod";
import { invalidRequest } from "../../../errors.js";
import { checkDetectOptions, detectPii, PII_TYPES, type PiiType, redactText } from "../../pii/index.js";
import type { Row } from "../../types.js";
import { defineStep, drop } from "../step.js";

export const piiStep = defineStep({
  name: "pii",
  summary: "find personal data (zh/en) and mask it, pseudonymise it with a keyed hash, or drop the row",
  options: z.strictObject({
    fields: z.array(z.string().min(1)).min(1).optional(),
    mode: z.enum(["mask", "pseudonym", "drop"]).default("mask"),
    mask_style: z.enum(["label", "shape", "partial"]).default("label"),
    types: z.array(z.enum(PII_TYPES)).min(1).optional(),
    min_score: z.number().min(0).max(1).optional(),
    /** Environment variable holding the pseudonym key (≥ 16 bytes). */
    key_env: z.string().min(1).default("LLMOPS_PII_KEY"),
    pseudonym_length: z.number().int().min(4).max(64).default(8),
  }),
  create(options, context) {
    const fields = options.fields ?? [context.textField];
    const detect = { types: options.types as PiiType[] | undefined, minScore: options.min_score };
    checkDetectOptions(detect);
    const key = options.mode === "pseudonym" ? context.env[options.key_env] : undefined;
    if (options.mode === "pseudonym" && !key) {
      throw invalidRequest(
        `pii: pseudonym mode reads its key from $${options.key_env}, which is not set; ` +
          "set it to a secret of at least 16 bytes (e.g. `export LLMOPS_PII_KEY=$(openssl rand -hex 32)`) and keep it safe: " +
          "the same key gives the same pseudonyms.",
      );
    }
    const byType: Record<string, number> = {};
    let rowsWithPii = 0;
    let replaced = 0;
    return {
      process(row: Row) {
        let found = false;
        for (const field of fields) {
          const value = row[field];
          if (typeof value !== "string") continue;
          const detections = detectPii(value, detect);
          if (detections.length === 0) continue;
          found = true;
          for (const d of detections) byType[d.type] = (byType[d.type] ?? 0) + 1;
          if (options.mode === "drop") continue;
          const result = redactText(value, detections, options.mode, {
            key,
            maskStyle: options.mask_style,
            pseudonymLength: options.pseudonym_length,
          });
          row[field] = result.text;
          replaced += result.replaced;
        }
        if (found) rowsWithPii++;
        return found && options.mode === "drop" ? drop("pii") : row;
      },
      stats: () => ({ rows_with_pii: rowsWithPii, detections: byType, replaced }),
    };
  },
});
