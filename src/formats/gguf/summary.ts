// A short, architecture-independent description of a GGUF model for registries, cards and /v1/models.
import { LLAMA_FILE_TYPE_NAMES } from "./constants.js";
import type { GgufFile, GgufValue, ModelSummary } from "./types.js";
import { metaArrayLength, metaNumber, metaString } from "./values.js";

/** Some architectures store per-layer head counts as arrays; the largest is the meaningful summary. */
function numberOrMax(v: GgufValue | undefined): number | null {
  if (v === undefined) return null;
  if (v.type !== "array") {
    if (typeof v.value === "bigint") return Number(v.value);
    return typeof v.value === "number" ? v.value : null;
  }
  let max: number | null = null;
  for (const item of v.value as unknown[]) {
    const n = typeof item === "bigint" ? Number(item) : item;
    if (typeof n === "number" && (max === null || n > max)) max = n;
  }
  return max;
}

/** Tensor type that holds the most parameters (ties: the first seen). */
function dominantTensorType(file: GgufFile): string {
  const counts = new Map<string, number>();
  for (const t of file.tensors) counts.set(t.typeName, (counts.get(t.typeName) ?? 0) + t.nElements);
  let best = "unknown";
  let bestN = -1;
  for (const [name, n] of counts) {
    if (n > bestN) {
      best = name;
      bestN = n;
    }
  }
  return best;
}

export function summarizeGguf(file: GgufFile): ModelSummary {
  const m = file.metadata;
  const arch = metaString(m, "general.architecture");
  const archNumber = (key: string) => (arch === null ? null : numberOrMax(m.get(`${arch}.${key}`)));
  const fileType = metaNumber(m, "general.file_type");
  const named = fileType === null ? undefined : LLAMA_FILE_TYPE_NAMES[fileType];
  return {
    architecture: arch,
    name: metaString(m, "general.name"),
    parameterCount: file.tensors.reduce((a, t) => a + t.nElements, 0),
    quantization: named ?? dominantTensorType(file),
    contextLength: archNumber("context_length"),
    embeddingLength: archNumber("embedding_length"),
    blockCount: archNumber("block_count"),
    headCount: archNumber("attention.head_count"),
    headCountKv: archNumber("attention.head_count_kv"),
    vocabSize: archNumber("vocab_size") ?? metaArrayLength(m, "tokenizer.ggml.tokens"),
    chatTemplate: metaString(m, "tokenizer.chat_template"),
    tokenizerModel: metaString(m, "tokenizer.ggml.model"),
    fileType,
  };
}
