// Fine-tuning starts from a registered model version: its GGUF is read back (F32/F16 as is,
// Q8_0/Q4_0 dequantised) into trainer parameters, and the tokenizer of the run that produced it
// is reused, so the continued model keeps its vocabulary.
import path from "node:path";
import { LlmopsError } from "../errors.js";
import type { ModelRegistry } from "../registry/index.js";
import type { ArtifactStore } from "../store/artifacts/types.js";
import { readLlamaWeights } from "./gguf-weights.js";
import type { ModelConfig, Params } from "./model.js";
import type { RunStore } from "./runs.js";

export interface BaseModel {
  ref: string; // name@version
  model: ModelConfig; // seqLen: the base's context length
  params: Params;
  tokenizerFile: string;
}

export async function loadBaseModel(o: {
  registry: ModelRegistry;
  artifacts: ArtifactStore;
  runs: RunStore;
  runsDir: string;
  ref: string;
}): Promise<BaseModel> {
  const version = await o.registry.resolve(o.ref);
  const runId = typeof version.lineage.runId === "string" ? version.lineage.runId : undefined;
  if (!runId)
    throw new LlmopsError(
      "invalid_request",
      `${version.ref} was not exported by 'llmops export', so its tokenizer is unknown; fine-tune a model trained here.`,
    );
  const run = await o.runs.get(runId);
  const dir = (run.summary as { output_dir?: string }).output_dir ?? path.join(o.runsDir, run.id);
  const file = await o.artifacts.localPath(version.artifactHash);
  const { config: model, params } = await readLlamaWeights(file, version.ref);
  return { ref: version.ref, model, params, tokenizerFile: path.join(dir, "tokenizer.json") };
}
