// logprob: how likely the model finds a text. With `value`, the summed log-probability of that text
// as a continuation of the prompt (teacher forcing; text prompts only) — "does the model prefer the
// right answer"; without it, the mean log-probability per token of the output. Passes when ≥ the
// threshold; `perToken: true` compares the per-token mean of the value instead of its sum.
import { z } from "zod";
import type { Assertion } from "../types.js";
import { parseSpec, passFail } from "./helpers.js";

const schema = z.object({
  value: z.string().min(1).optional(),
  threshold: z.number({ error: "needs threshold (a log-probability, ≤ 0)" }).max(0),
  perToken: z.boolean().optional(),
});
type Config = z.infer<typeof schema>;

export const logprob: Assertion<Config> = {
  type: "logprob",
  description: "log-probability of value after the prompt (or mean per output token) ≥ threshold",
  needsLogprobs: true,
  parse: (spec) => parseSpec("logprob", schema, spec),
  async evaluate({ value, threshold, perToken }, ctx) {
    let measured: number;
    let what: string;
    if (value !== undefined) {
      if (typeof ctx.prompt !== "string")
        return passFail(false, "logprob with a value needs a text prompt, not chat messages");
      const scored = await ctx.provider.scoreContinuation(ctx.prompt, value, ctx.signal ? { signal: ctx.signal } : {});
      measured = perToken ? scored.logprob / Math.max(1, scored.tokens) : scored.logprob;
      what = `log-probability of the value${perToken ? " per token" : ""} (${scored.tokens} tokens)`;
    } else {
      const lps = ctx.response.logprobs;
      if (!lps) return passFail(false, "the provider returned no logprobs for the output");
      if (lps.length === 0) return passFail(false, "the output has no tokens to measure");
      measured = lps.reduce((a, b) => a + b, 0) / lps.length;
      what = "mean log-probability per output token";
    }
    const ok = measured >= threshold;
    return {
      pass: ok,
      score: Math.min(1, Math.exp(measured - threshold)),
      reason: `${what} ${measured.toFixed(3)} ${ok ? "≥" : "<"} ${threshold}`,
    };
  },
};
