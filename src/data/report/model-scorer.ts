// A PerplexityScorer backed by llama.cpp: loads a GGUF (one thread, a small context) and scores
// each text's tokens; texts longer than the context are cut to its first window.
import { openLlamaCppEngine } from "../../serve/engines/llama-cpp.js";
import { type PerplexityScorer, perplexityOf } from "./perplexity.js";

export async function openModelScorer(
  modelPath: string,
  model: string,
  options: { contextSize?: number } = {},
): Promise<PerplexityScorer & { close(): Promise<void> }> {
  const engine = await openLlamaCppEngine({
    modelPath,
    id: model,
    threads: 1,
    contextSize: options.contextSize ?? 512,
  });
  const window = engine.info.contextLength - 1; // room for BOS
  return {
    model,
    async score(text: string): Promise<number | null> {
      const ids = (await engine.tokenize(text)).slice(0, window);
      if (ids.length < 2) return null;
      const scored = await engine.score!(ids);
      return perplexityOf(scored.tokens.map((t) => t.logprob));
    },
    close: () => engine.close(),
  };
}
