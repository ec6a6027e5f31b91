// Export parity through our own worker: a quickly trained model is exported to F32 GGUF, served by
// startWorker (llama.cpp, the worker's default context settings) and asked over HTTP for the
// log-probability of every prompt token (/v1/completions with echo + logprobs). They must match the
// trainer's own forward pass. The worker keeps llama.cpp's default F16 KV cache, so this bound is
// looser than the direct F32-cache check in train-export.test.ts (which holds to 1e-3).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { openPlatform, type Platform } from "../src/platform/open.js";
import { type RunningWorker, startWorker } from "../src/serve/worker-server.js";
import { parseTrainConfig } from "../src/train/config.js";
import { writeRunGguf } from "../src/train/export.js";
import { createJaxBackend } from "../src/train/jax-backend.js";
import { defaultOptim, type ModelConfig, type Params } from "../src/train/model.js";
import { RunStore } from "../src/train/runs.js";
import { readSafetensors } from "../src/train/safetensors.js";
import { loadTokenizer } from "../src/train/tokenizer/index.js";
import { trainModel } from "../src/train/trainer.js";
import { mulberry32 } from "../src/util/random.js";

const dir = mkdtempSync(path.join(tmpdir(), "llmops-parity-"));
let platform: Platform;
let worker: RunningWorker;
let model: ModelConfig;
let trainerLogprobs: (ids: number[]) => Promise<number[]>;
let prompts: number[][];

const text = Array.from(
  { length: 300 },
  (_, i) =>
    `${["白日依山盡", "黃河入海流", "欲窮千里目", "更上一層樓"][i % 4]}，${i % 9} the ${["cat", "dog"][i % 2]} 🙂。`,
).join("\n");

beforeAll(async () => {
  writeFileSync(path.join(dir, "corpus.txt"), text);
  platform = await openPlatform(loadConfig({ env: { LLMOPS_HOME: path.join(dir, "home") }, cwd: dir }).config);
  const config = parseTrainConfig(
    {
      name: "parity",
      data: { files: ["corpus.txt"] },
      tokenizer: { vocabSize: 300 },
      model: { dim: 64, layers: 2, heads: 4, kvHeads: 2, seqLen: 64 },
      train: { steps: 25, batchSize: 4, lr: 0.01, warmupSteps: 3, evalEvery: 0, evalBatches: 1 },
    },
    dir,
  );
  const trained = await trainModel(config, {
    runs: new RunStore(platform.store),
    actor: "test",
    runsDir: path.join(dir, "runs"),
  });
  model = trained.run.params.model as ModelConfig;
  const file = path.join(dir, "parity-f32.gguf");
  await writeRunGguf({ dir: trained.outputDir, model, quant: "f32", name: "parity", file });

  const { tensors } = await readSafetensors(trained.weightsFile);
  const params: Params = {};
  for (const [k, v] of Object.entries(tensors)) params[k.slice("param.".length)] = { ...v, decay: false };
  const backend = await createJaxBackend({ model, optim: defaultOptim, params });
  // log p(ids[i] | ids[<i]) for i ≥ 1 from the trainer's forward pass (padded to its context).
  trainerLogprobs = async (ids) => {
    const x = new Int32Array(model.seqLen);
    x.set(ids);
    const logits = await backend.logits(x, 1);
    const V = model.vocabSize;
    const out: number[] = [];
    for (let i = 1; i < ids.length; i++) {
      const row = logits.subarray((i - 1) * V, i * V);
      let mx = Number.NEGATIVE_INFINITY;
      for (const v of row) mx = Math.max(mx, v);
      let sum = 0;
      for (const v of row) sum += Math.exp(v - mx);
      out.push((row[ids[i] as number] as number) - mx - Math.log(sum));
    }
    return out;
  };

  const tok = await loadTokenizer(trained.tokenizerFile);
  const random = mulberry32(5);
  const len = model.seqLen - 4;
  prompts = [
    [tok.bosId, ...tok.encode(text.slice(0, 400))].slice(0, len),
    [tok.bosId, ...tok.encode(text.slice(1000, 1400))].slice(0, len),
    // Arbitrary ids reach far into the distribution's tail, where a relative error would show.
    [tok.bosId, ...Array.from({ length: len - 1 }, () => 3 + Math.floor(random() * (model.vocabSize - 3)))],
  ];
  // An F32 KV cache, as the issue asks: with llama.cpp's default F16 cache the worst token is ~1.3e-3 off.
  worker = await startWorker({ modelPath: file, modelName: "parity", threads: 1, kvCache: "f32" });
}, 180_000);

afterAll(async () => {
  await worker?.close();
  await platform?.close();
});

describe("F32 export served by our worker", () => {
  it("gives the trainer's next-token log-probabilities over HTTP", async () => {
    let maxDelta = 0;
    let compared = 0;
    for (const ids of prompts) {
      expect(ids).toHaveLength(model.seqLen - 4);
      const res = await fetch(`${worker.url}/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "parity", prompt: ids, max_tokens: 0, echo: true, logprobs: 0 }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { choices: { logprobs: { token_logprobs: (number | null)[] } }[] };
      const served = body.choices[0]?.logprobs.token_logprobs ?? [];
      expect(served).toHaveLength(ids.length);
      expect(served[0]).toBeNull();
      const ours = await trainerLogprobs(ids);
      for (let i = 1; i < ids.length; i++) {
        maxDelta = Math.max(maxDelta, Math.abs((served[i] as number) - (ours[i - 1] as number)));
        compared++;
      }
    }
    console.log(`worker vs trainer: max |Δ log-prob| ${maxDelta.toExponential(2)} over ${compared} tokens`);
    expect(compared).toBe(3 * (model.seqLen - 5));
    expect(maxDelta).toBeLessThan(1e-3);
  }, 120_000);
});
