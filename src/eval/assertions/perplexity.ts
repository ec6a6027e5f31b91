// perplexity: exp(−mean log-probability) of the generated tokens is at most the threshold. Needs a
// provider that returns logprobs (our workers do; many cloud chat endpoints do too).
import { z } from "zod";
import type { Assertion } from "../types.js";
import { parseSpec, passFail } from "./helpers.js";

const schema = z.object({
  threshold: z.number({ error: "needs threshold (the highest perplexity allowed)" }).positive(),
});

export function perplexityOf(logprobs: readonly number[]): number {
  if (logprobs.length === 0) return Number.NaN;
  let sum = 0;
  for (const lp of logprobs) sum += lp;
  return Math.exp(-sum / logprobs.length);
}

export const perplexity: Assertion<{ threshold: number }> = {
  type: "perplexity",
  description: "perplexity of the output under the model ≤ threshold",
  needsLogprobs: true,
  parse: (spec) => parseSpec("perplexity", schema, spec),
  evaluate({ threshold }, { response }) {
    if (!response.logprobs) return passFail(false, "the provider returned no logprobs for the output");
    if (response.logprobs.length === 0) return passFail(false, "the output has no tokens to measure");
    const ppl = perplexityOf(response.logprobs);
    return {
      pass: ppl <= threshold,
      score: Math.min(1, threshold / ppl),
      reason: `perplexity ${ppl.toFixed(2)} ${ppl <= threshold ? "≤" : ">"} ${threshold}`,
    };
  },
};
