// The recipe of the bundled model: a seeded random-weight llama (our own GGUF writer), so anyone
// can rebuild the committed file byte for byte. It proves the serving path end to end; the
// training issue replaces it with a model trained by llmops itself.
import { writeTinyLlama } from "../formats/gguf/index.js";

export const BUNDLED_MODEL_RECIPE = { preset: "small", type: "Q8_0", seed: 20261128, chatml: true } as const;

export async function writeBundledModel(path: string): Promise<void> {
  await writeTinyLlama(path, { ...BUNDLED_MODEL_RECIPE, name: "llmops-tiny" });
}
