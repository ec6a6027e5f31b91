// Deterministic train/validation/test split: a row's split follows from a hash of its key (the
// text by default) and a seed, so re-running gives the same split, and identical texts always
// land in the same split (no leakage of exact duplicates between train and test).
import { z } from "zod";
import { hash64 } from "../../text/hash.js";
import type { Row } from "../../types.js";
import { defineStep } from "../step.js";

export const splitStep = defineStep({
  name: "split",
  summary: "assign train/validation/test (or any named) splits by a hash of the row's key; adds a `split` field",
  options: z
    .strictObject({
      ratios: z
        .record(z.string().regex(/^[A-Za-z0-9_-]+$/), z.number().min(0).max(1))
        .default({ train: 0.8, validation: 0.1, test: 0.1 }),
      /** Fields hashed for the key (default: the text field). */
      key_fields: z.array(z.string().min(1)).min(1).optional(),
      seed: z.string().default(""),
      output_field: z.string().min(1).default("split"),
    })
    .refine((o) => Math.abs(Object.values(o.ratios).reduce((a, b) => a + b, 0) - 1) < 1e-9, "ratios must add up to 1")
    .refine((o) => Object.keys(o.ratios).length > 0, "name at least one split"),
  create(options, context) {
    const fields = options.key_fields ?? [context.textField];
    const names = Object.keys(options.ratios);
    const bounds: number[] = [];
    let acc = 0;
    for (const name of names) {
      acc += options.ratios[name]!;
      bounds.push(acc);
    }
    const counts: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
    return {
      process(row: Row) {
        let key = options.seed;
        for (const field of fields) {
          const value = row[field];
          key += `\u0000${typeof value === "string" ? value : JSON.stringify(value ?? null)}`;
        }
        const [hi, lo] = hash64(key);
        const u = (hi * 2 ** 21 + (lo >>> 11)) / 2 ** 53; // 53 uniform bits in [0, 1)
        let i = bounds.findIndex((b) => u < b);
        if (i === -1) i = names.length - 1;
        const split = names[i]!;
        counts[split]!++;
        row[options.output_field] = split;
        return row;
      },
      stats: () => ({ splits: counts }),
    };
  },
});
