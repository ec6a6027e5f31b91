// A llama-architecture GGUF read back into float32 weights for our own forward pass, in the
// built-in trainer's layout (src/train/gguf-weights.ts), after checking that the gradient methods
// can run on it at all.
import { LlmopsError } from "../../errors.js";
import { metaString, readGgufFile } from "../../formats/gguf/index.js";
import { type LlamaWeights, readLlamaWeights } from "../../train/gguf-weights.js";

export type LoadedWeights = LlamaWeights;

export async function loadGgufWeights(file: string): Promise<LoadedWeights> {
  const arch = metaString((await readGgufFile(file)).metadata, "general.architecture");
  if (arch !== "llama")
    throw new LlmopsError(
      "invalid_request",
      `Gradient methods run our own llama forward pass; this model's architecture is '${arch ?? "unknown"}' — use occlusion, lime or kernelshap.`,
      { param: "method" },
    );
  return readLlamaWeights(file, file);
}
