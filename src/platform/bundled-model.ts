// The bundled model, llmops-tiny: trained by llmops's own trainer on the Tang poems that ship with
// the repository (data/corpora/tang-poems.txt). Its recipe (models/llmops-tiny/recipe.yaml)
// reproduces it end to end with `llmops train --recipe …`; the lock next to it records the sha256
// of the committed GGUF and the loss curve, which the tests check.
import path from "node:path";
import { type RecipeLock, readRecipeLock } from "../train/recipe.js";
import { BUNDLED_MODEL, PACKAGE_ROOT } from "./paths.js";

const DIR = path.join(PACKAGE_ROOT, "models", "llmops-tiny");

export const BUNDLED_RECIPE = {
  ...BUNDLED_MODEL,
  recipe: path.join(DIR, "recipe.yaml"),
  lock: path.join(DIR, "recipe.lock"),
} as const;

/** The recorded result of the bundled recipe (GGUF sha256, data and tokenizer hashes, losses). */
export function readBundledLock(): Promise<RecipeLock> {
  return readRecipeLock(BUNDLED_RECIPE.lock);
}
