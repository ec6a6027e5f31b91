// Scripted providers for the built-in suites' tests (not part of the public API): a model whose
// behaviour is known exactly, so a test can plant a bias or a leak and check the analysis finds it
// — and finds nothing where nothing was planted.
import { createHash } from "node:crypto";
import type { ContinuationScore, PromptInput, Provider, ProviderResponse } from "../types.js";

export interface ScriptedBehaviour {
  /** The answer to a prompt (the rendered messages flattened as "role: content" lines). */
  answer(prompt: { system: string; user: string }): string;
  /** log p(continuation | prompt); default: a deterministic pseudo-random value. */
  score?(prompt: string, continuation: string): number;
}

/** A uniform number in [0, 1) from a string: deterministic "noise" that differs per input. */
export function hashUnit(text: string): number {
  return createHash("sha256").update(text).digest().readUInt32BE(0) / 2 ** 32;
}

function split(prompt: PromptInput): { system: string; user: string } {
  if (typeof prompt === "string") return { system: "", user: prompt };
  return {
    system: prompt
      .filter((m) => m.role === "system" || m.role === "developer")
      .map((m) => m.content)
      .join("\n"),
    user: prompt
      .filter((m) => m.role === "user")
      .map((m) => m.content)
      .join("\n"),
  };
}

export function scriptedProvider(id: string, behaviour: ScriptedBehaviour): Provider & { calls: number } {
  const provider = {
    id: `scripted:${id}`,
    label: id,
    calls: 0,
    async generate(prompt: PromptInput): Promise<ProviderResponse> {
      provider.calls++;
      const text = behaviour.answer(split(prompt));
      return { text, latencyMs: 1, promptTokens: 10, completionTokens: text.length };
    },
    async scoreContinuation(prompt: string, continuation: string): Promise<ContinuationScore> {
      const logprob = behaviour.score
        ? behaviour.score(prompt, continuation)
        : -2 * [...continuation].length * (0.5 + hashUnit(`${prompt}\u0000${continuation}`));
      return { logprob, tokens: [...continuation].length };
    },
    async embed(texts: string[]): Promise<number[][]> {
      return texts.map(() => [1, 0]);
    },
    async close(): Promise<void> {},
  };
  return provider;
}
