// Gradient access for one built-in model: its GGUF loaded once into our forward pass, and the
// engine's tokenizer so the token ids are exactly the ones llama.cpp scores.
import { LlmopsError } from "../../errors.js";
import { featureOfSpans } from "../features.js";
import type { TokenizingScorer } from "../scorers/llama-cpp.js";
import type { Feature, GradientModel } from "../types.js";
import { LlamaForward } from "./forward.js";
import { loadGgufWeights } from "./load.js";
import { createGradientModel } from "./model.js";

export interface GradientSource {
  create(prompt: string, target: string, features: readonly Feature[]): Promise<GradientModel>;
  close(): void;
}

export async function openGradientSource(ggufFile: string, scorer: TokenizingScorer): Promise<GradientSource> {
  const weights = await loadGgufWeights(ggufFile);
  const forward = await LlamaForward.create(weights.config, weights.params);
  return {
    async create(prompt, target, features) {
      const enc = await scorer.encode(prompt, target);
      const spans = await scorer.tokenSpans(prompt);
      if (spans.length !== enc.promptIds.length - enc.bos)
        throw new LlmopsError("internal", "the prompt's tokens and their spans disagree; use a black-box method.");
      const vocab = weights.config.vocabSize;
      for (const id of [...enc.promptIds, ...enc.targetIds])
        if (id < 0 || id >= vocab)
          throw new LlmopsError("internal", `token id ${id} is outside the model's vocabulary`);
      const tokenFeature = [...new Array<number>(enc.bos).fill(-1), ...featureOfSpans(features, spans)];
      const bosId = enc.bos > 0 ? enc.promptIds[0] : undefined;
      return createGradientModel(forward, { ...enc, tokenFeature }, async (id) =>
        id === bosId ? "<s>" : scorer.detokenize([id]),
      );
    },
    close: () => forward.dispose(),
  };
}
