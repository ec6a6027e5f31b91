// Near-duplicate removal with MinHash + LSH (text/minhash.ts, text/lsh.ts): a row is dropped when
// its estimated Jaccard similarity to a row kept earlier is at least `threshold`. Shingles are
// character n-grams for CJK text and word n-grams otherwise (`shingles: auto`).
// Memory: 0.5–1 KB per kept row with the defaults (2·num_perm bytes of signature plus 8 bytes per
// band in half-full tables, both growing by doubling), reported as `index_bytes` in the step's stats.
import { z } from "zod";
import { NearDuplicateIndex } from "../../text/lsh.js";
import { MinHasher } from "../../text/minhash.js";
import type { Row } from "../../types.js";
import { defineStep, drop, textOf } from "../step.js";

export const nearDedupStep = defineStep({
  name: "near-dedup",
  summary: "drop near-duplicates (MinHash + LSH, Jaccard ≥ threshold over character or word shingles)",
  options: z
    .strictObject({
      field: z.string().min(1).optional(),
      threshold: z.number().gt(0).lt(1).default(0.8),
      num_perm: z.number().int().min(16).max(1024).default(128),
      /** Bands × rows of the LSH; chosen from the threshold when omitted. */
      bands: z.number().int().min(1).optional(),
      rows: z.number().int().min(1).optional(),
      shingles: z.enum(["auto", "chars", "words"]).default("auto"),
      char_ngram: z.number().int().min(1).max(32).default(5),
      word_ngram: z.number().int().min(1).max(16).default(3),
      seed: z.number().int().default(1),
    })
    .refine((o) => (o.bands === undefined) === (o.rows === undefined), "set both bands and rows, or neither")
    .refine((o) => !o.bands || !o.rows || o.bands * o.rows <= o.num_perm, "bands × rows must not exceed num_perm"),
  create(options, context) {
    const field = options.field ?? context.textField;
    const hasher = new MinHasher({
      numPerm: options.num_perm,
      charNgram: options.char_ngram,
      wordNgram: options.word_ngram,
      mode: options.shingles,
      seed: options.seed,
    });
    const index = new NearDuplicateIndex({
      numPerm: options.num_perm,
      threshold: options.threshold,
      bands: options.bands,
      rows: options.rows,
    });
    let noShingles = 0;
    return {
      process(row: Row) {
        const text = textOf(row, field);
        const sig = text === undefined ? null : hasher.signature(text);
        if (!sig) {
          noShingles++;
          return row; // nothing to compare (empty or punctuation only): leave it to other steps
        }
        if (index.findDuplicate(sig)) return drop("near_duplicate");
        index.add(sig);
        return row;
      },
      stats: () => ({
        bands: index.bands,
        rows: index.rows,
        indexed: index.size,
        without_shingles: noShingles,
        index_bytes: index.bytes,
      }),
    };
  },
});
