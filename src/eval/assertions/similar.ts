// similar: cosine similarity between the embeddings of the output and the value is at least the
// threshold (default 0.8). Embeddings come from the suite's `embedder`, else the provider under test
// (our workers serve /v1/embeddings). With a list of values the best match counts.
import { z } from "zod";
import type { Assertion } from "../types.js";
import { asStringList, parseSpec } from "./helpers.js";

const schema = z.object({
  value: z
    .unknown()
    .refine(
      (v) => asStringList(v) !== null && (asStringList(v) as string[]).length > 0,
      "needs a string or a list of strings",
    ),
  threshold: z.number().min(-1).max(1).optional(),
});

export function cosine(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length === 0) throw new Error(`embedding sizes differ (${a.length} vs ${b.length})`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

export const similar: Assertion<{ values: string[]; threshold: number }> = {
  type: "similar",
  description: "embedding cosine similarity to the value ≥ threshold (default 0.8)",
  parse(spec) {
    const c = parseSpec("similar", schema, spec);
    return { values: asStringList(c.value) as string[], threshold: c.threshold ?? 0.8 };
  },
  async evaluate({ values, threshold }, ctx) {
    const embedder = ctx.embedder ? await ctx.getProvider(ctx.embedder) : ctx.provider;
    const vectors = await embedder.embed([ctx.output, ...values], ctx.signal ? { signal: ctx.signal } : {});
    const out = vectors[0] as number[];
    let best = -1;
    for (const v of vectors.slice(1)) best = Math.max(best, cosine(out, v));
    const score = Math.max(0, best);
    return {
      pass: best >= threshold,
      score,
      reason: `similarity ${best.toFixed(3)} ${best >= threshold ? "≥" : "<"} ${threshold}`,
    };
  },
};
