// Helpers for assertion unit tests: an assertion context around an output, and a small in-process
// Provider (character-count embeddings, scripted replies) for the assertions that call a model.
import type { AssertionContext, AssertSpec, GradingResult, Provider, ProviderResponse } from "../types.js";
import { prepareAssertion } from "./index.js";

export function scriptedProvider(replies: string[] = [], id = "test:scripted"): Provider {
  let i = 0;
  return {
    id,
    label: id,
    async generate() {
      const text = replies[Math.min(i++, replies.length - 1)] ?? "";
      return { text, latencyMs: 1, promptTokens: 1, completionTokens: 1 };
    },
    async scoreContinuation(_prompt, continuation) {
      // −1 nat per character: longer continuations are less likely, as with a real model.
      return { logprob: -[...continuation].length, tokens: [...continuation].length };
    },
    async embed(texts) {
      // Letter-frequency vectors: similar spellings are close, unrelated texts are far.
      return texts.map((t) => {
        const v = new Array(26).fill(0) as number[];
        for (const ch of t.toLowerCase()) {
          const k = ch.charCodeAt(0) - 97;
          if (k >= 0 && k < 26) v[k] = (v[k] as number) + 1;
        }
        return v;
      });
    },
    async close() {},
  };
}

export function contextFor(output: string, extra: Partial<AssertionContext> = {}): AssertionContext {
  const response: ProviderResponse = { text: output, latencyMs: 120, promptTokens: 10, completionTokens: 5 };
  const provider = extra.provider ?? scriptedProvider();
  return {
    output,
    response,
    prompt: "prompt",
    vars: {},
    provider,
    getProvider: async () => provider,
    baseDir: process.cwd(),
    ...extra,
  };
}

/** Parses a spec through the registry (as suites do) and grades one output. */
export async function grade(
  spec: AssertSpec,
  output: string,
  extra: Partial<AssertionContext> = {},
): Promise<GradingResult> {
  return prepareAssertion(spec).grade(contextFor(output, extra));
}
