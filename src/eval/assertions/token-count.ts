// token-count: the tokens the provider counted (completion by default; `count: prompt|total`) are
// within [min, max].
import { z } from "zod";
import type { Assertion } from "../types.js";
import { parseSpec, passFail } from "./helpers.js";

const schema = z
  .object({
    min: z.number().int().min(0).optional(),
    max: z.number().int().min(0).optional(),
    count: z.enum(["completion", "prompt", "total"]).optional(),
  })
  .refine((c) => c.min !== undefined || c.max !== undefined, "needs min, max or both");
type Config = z.infer<typeof schema>;

export const tokenCount: Assertion<Config> = {
  type: "token-count",
  description: "completion (or prompt/total) tokens within min/max",
  parse: (spec) => parseSpec("token-count", schema, spec),
  evaluate({ min, max, count }, { response }) {
    const which = count ?? "completion";
    const n =
      which === "completion"
        ? response.completionTokens
        : which === "prompt"
          ? response.promptTokens
          : response.promptTokens + response.completionTokens;
    const ok = (min === undefined || n >= min) && (max === undefined || n <= max);
    return passFail(ok, `${n} ${which} tokens (${ok ? "within" : "outside"} ${min ?? 0}–${max ?? "∞"})`);
  },
};
