// How an explanation reaches its model, in one place for the CLI and the API:
//   - a GGUF file here (a registered version's artifact): llama.cpp in this process scores, and
//     gradient methods load the same file into our forward pass;
//   - an llmops worker: batched POST /v1/score;
//   - any OpenAI-compatible endpoint with echo + logprobs (vLLM, llama.cpp server, a gateway).
import type { Feature, GradientModel, LogProbScorer } from "./types.js";

export interface ModelAccess {
  scorer: LogProbScorer;
  /** Present when the weights are at hand (gradient methods). */
  gradients?: (prompt: string, target: string, features: readonly Feature[]) => Promise<GradientModel>;
  close(): Promise<void>;
}

export async function openLocalModel(
  file: string,
  name: string,
  options: { threads?: number; contextSize?: number } = {},
): Promise<ModelAccess> {
  const { LlamaCppScorer } = await import("./scorers/llama-cpp.js");
  const scorer = await LlamaCppScorer.open(file, name, options);
  let source: Promise<import("./gradients/source.js").GradientSource> | undefined;
  return {
    scorer,
    gradients: async (prompt, target, features) => {
      source ??= import("./gradients/source.js").then((m) => m.openGradientSource(file, scorer));
      return (await source).create(prompt, target, features);
    },
    async close() {
      const s = await source?.catch(() => undefined);
      s?.close();
      await scorer.close();
    },
  };
}

export async function openEndpoint(options: {
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** An llmops worker: use its batched /v1/score. */
  worker?: boolean;
  concurrency?: number;
}): Promise<ModelAccess> {
  const { OpenAiScorer } = await import("./scorers/openai.js");
  const { WorkerScorer } = await import("./scorers/worker.js");
  const o = {
    baseUrl: options.baseUrl,
    model: options.model,
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
  };
  const scorer = options.worker ? new WorkerScorer(o) : new OpenAiScorer(o);
  return { scorer, close: async () => {} };
}
