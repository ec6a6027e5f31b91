// The committed bundled model is the one its recipe records: same GGUF bytes, same recipe, and a
// file llama.cpp serves as a chat model (ChatML template, <|im_end|> ends a turn).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readGgufFile } from "../formats/gguf/index.js";
import { loadTrainConfig } from "../train/config.js";
import { BUNDLED_RECIPE, readBundledLock } from "./bundled-model.js";

const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

describe("the bundled model", () => {
  it("is the GGUF its recipe lock records, made from the recipe as committed", async () => {
    const lock = await readBundledLock();
    expect(sha256(BUNDLED_RECIPE.file)).toBe(lock.gguf.sha256);
    expect(readFileSync(BUNDLED_RECIPE.file).length).toBe(lock.gguf.bytes);
    // Editing the recipe without recording its new result would leave a lock that proves nothing.
    expect(sha256(BUNDLED_RECIPE.recipe)).toBe(lock.recipeSha256);
    const config = await loadTrainConfig(BUNDLED_RECIPE.recipe);
    expect(config.export).toMatchObject({ name: "llmops-tiny", file: "llmops-tiny-q8_0.gguf", quant: "q8_0" });
    expect(config.export?.lock).toBe(BUNDLED_RECIPE.lock);
    // The data is the shipped corpus, unchanged since the model was trained on it.
    expect(config.data.files?.map((f) => f.split("/").slice(-3).join("/"))).toEqual(["data/corpora/tang-poems.txt"]);
    expect(lock.final.step).toBe(config.train.steps);
    expect(lock.final.valPerplexity).toBeCloseTo(Math.exp(lock.final.valLoss), 6);
  });

  it("is a Q8_0 llama with the recipe's shape, a trained tokenizer and the ChatML template", async () => {
    const config = await loadTrainConfig(BUNDLED_RECIPE.recipe);
    const gguf = await readGgufFile(BUNDLED_RECIPE.file);
    const meta = (k: string): unknown => gguf.metadata.get(k)?.value;
    expect(meta("general.architecture")).toBe("llama");
    expect(meta("general.name")).toBe("llmops-tiny");
    expect(meta("llama.embedding_length")).toBe(config.model.dim);
    expect(meta("llama.block_count")).toBe(config.model.layers);
    expect(meta("llama.context_length")).toBe(config.model.seqLen);
    expect(String(meta("tokenizer.chat_template"))).toContain("<|im_start|>");
    expect((meta("tokenizer.ggml.tokens") as string[]).length).toBe(config.tokenizer.vocabSize);
    expect(gguf.tensors.find((t) => t.name === "blk.0.ffn_down.weight")?.typeName).toBe("Q8_0");
    expect(gguf.fileSize).toBeLessThan(4 * 1024 * 1024);
  });
});
