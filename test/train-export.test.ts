// Export of a trained run to GGUF: registered with lineage, and — for F32 — llama.cpp's next-token
// log-probabilities (F32 KV cache, flash attention off) match the trainer's own forward pass.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { getLlama, LlamaLogLevel, type Token } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { openPlatform, type Platform } from "../src/platform/open.js";
import { parseTrainConfig } from "../src/train/config.js";
import { exportRun } from "../src/train/export.js";
import { loadBaseModel } from "../src/train/from-model.js";
import { createJaxBackend } from "../src/train/jax-backend.js";
import { defaultOptim, type ModelConfig, type Params } from "../src/train/model.js";
import { RunStore } from "../src/train/runs.js";
import { readSafetensors } from "../src/train/safetensors.js";
import { loadTokenizer } from "../src/train/tokenizer/index.js";
import { type TrainResult, trainModel } from "../src/train/trainer.js";

const dir = mkdtempSync(path.join(tmpdir(), "llmops-export-"));
let platform: Platform;
let runs: RunStore;
let trained: TrainResult;
const runsDir = path.join(dir, "home", "runs");
const text = Array.from(
  { length: 400 },
  (_, i) =>
    `line ${i % 17}: the ${["cat", "dog", "bird", "fish"][i % 4]} ${["runs", "sleeps", "sings"][i % 3]} 春眠不觉晓 🙂.`,
).join("\n");

beforeAll(async () => {
  writeFileSync(path.join(dir, "corpus.txt"), text);
  platform = await openPlatform(loadConfig({ env: { LLMOPS_HOME: path.join(dir, "home") }, cwd: dir }).config);
  runs = new RunStore(platform.store);
  const config = parseTrainConfig(
    {
      name: "Export Test",
      data: { files: ["corpus.txt"] },
      tokenizer: { vocabSize: 320 },
      model: { dim: 64, layers: 2, heads: 4, kvHeads: 2, seqLen: 32 },
      train: { steps: 30, batchSize: 4, lr: 0.01, warmupSteps: 3, evalEvery: 0, evalBatches: 1 },
    },
    dir,
  );
  trained = await trainModel(config, { runs, actor: "test", runsDir });
}, 120_000);
afterAll(async () => {
  await platform?.close();
});

describe("export RUN --quant", () => {
  it("writes an F32 GGUF whose llama.cpp log-probabilities match the trainer within 1e-3", async () => {
    const out = await exportRun({
      runs,
      registry: platform.registry,
      runsDir,
      run: trained.run.id,
      quant: "f32",
      actor: "test",
    });
    expect(out.version.ref).toBe("export-test@1");
    expect(out.version.lineage).toMatchObject({
      runId: trained.run.id,
      datasetHash: trained.run.dataset.hash,
      tokenizerHash: trained.run.tokenizerHash,
      quant: "F32",
    });
    expect(out.version.lineage.recipe).toMatchObject({ model: { dim: 64 } });

    const model = trained.run.params.model as ModelConfig;
    const { tensors } = await readSafetensors(trained.weightsFile);
    const params: Params = {};
    for (const [k, v] of Object.entries(tensors)) params[k.slice("param.".length)] = { ...v, decay: false };
    const be = await createJaxBackend({ model, optim: defaultOptim, params });
    const tok = await loadTokenizer(trained.tokenizerFile);
    const ids = [tok.bosId, ...tok.encode(`line 3: the dog sings 春眠 🙂. ${text.slice(0, 300)}`)].slice(
      0,
      model.seqLen,
    );
    expect(ids.length).toBe(model.seqLen);
    const logits = await be.logits(Int32Array.from(ids), 1);
    be.dispose();

    const llama = await getLlama({ gpu: false, build: "never", maxThreads: 1, logLevel: LlamaLogLevel.error });
    const m = await llama.loadModel({ modelPath: out.file });
    const ctx = await m.createContext({
      contextSize: 64,
      threads: 1,
      flashAttention: false,
      experimentalKvCacheKeyType: "F32",
      experimentalKvCacheValueType: "F32",
    });
    try {
      const res = await ctx
        .getSequence()
        .controlledEvaluate(ids.map((t) => [t as Token, { generateNext: { probabilities: true } }]));
      const V = model.vocabSize;
      let maxDiff = 0;
      let compared = 0;
      res.forEach((r, pos) => {
        const row = logits.subarray(pos * V, (pos + 1) * V);
        let mx = -Infinity;
        for (const v of row) mx = Math.max(mx, v);
        let sum = 0;
        for (const v of row) sum += Math.exp(v - mx);
        const lse = mx + Math.log(sum);
        for (const [t, p] of r?.next?.probabilities ?? new Map<Token, number>()) {
          if (p < 1e-12) continue;
          maxDiff = Math.max(maxDiff, Math.abs(Math.log(p) - ((row[t] as number) - lse)));
          compared++;
        }
      });
      expect(compared).toBeGreaterThan(model.seqLen * 10);
      expect(maxDiff).toBeLessThan(1e-3);
    } finally {
      await ctx.dispose();
      await m.dispose();
    }
  }, 120_000);

  it("registers quantised versions, and refuses what it cannot export", async () => {
    const q8 = await exportRun({
      runs,
      registry: platform.registry,
      runsDir,
      run: trained.run.id,
      quant: "q8_0",
      actor: "test",
      alias: "q8",
    });
    expect(q8.version).toMatchObject({ ref: "export-test@2", aliases: ["q8"], tags: { quant: "q8_0" } });
    expect(q8.tensorTypes["blk.0.ffn_down.weight"]).toBe("Q8_0");
    const q4 = await exportRun({
      runs,
      registry: platform.registry,
      runsDir,
      run: trained.run.id,
      quant: "q4_0",
      name: "tiny-q4",
      actor: "test",
    });
    expect(q4.tensorTypes["blk.0.attn_q.weight"]).toBe("Q4_0");
    expect(q4.bytes).toBeLessThan(q8.bytes);
    const running = await runs.create({ name: "ext" }, "test");
    await expect(
      exportRun({ runs, registry: platform.registry, runsDir, run: running.id, quant: "f32", actor: "test" }),
    ).rejects.toMatchObject({ code: "conflict" });
    await expect(
      exportRun({
        runs,
        registry: platform.registry,
        runsDir,
        run: trained.run.id,
        quant: "q5_k" as "f32",
        actor: "test",
      }),
    ).rejects.toMatchObject({ code: "usage" });
  }, 60_000);

  it("fine-tunes a registered version: same weights to start, lineage names the base", async () => {
    const base = await loadBaseModel({
      registry: platform.registry,
      artifacts: platform.artifacts,
      runs,
      runsDir,
      ref: "export-test@1",
    });
    const { tensors } = await readSafetensors(trained.weightsFile);
    for (const [k, t] of Object.entries(base.params)) expect(t.data, k).toEqual(tensors[`param.${k}`]?.data);
    expect(base.model).toMatchObject({ dim: 64, layers: 2, heads: 4, kvHeads: 2, vocabSize: 320 });

    writeFileSync(path.join(dir, "more.txt"), text.replaceAll("cat", "cow").replaceAll("fish", "fox"));
    const config = parseTrainConfig(
      {
        data: { files: ["more.txt"] },
        model: { seqLen: 32 },
        train: { steps: 6, batchSize: 4, lr: 0.003, warmupSteps: 1, evalEvery: 0, evalBatches: 1 },
      },
      dir,
    );
    const ft = await trainModel(config, { runs, actor: "test", runsDir }, base);
    expect(ft.run.params).toMatchObject({ base: "export-test@1", model: { dim: 64 } });
    const [loss] = await runs.metrics(ft.run.id, { split: "train", names: ["loss"] });
    const [orig] = await runs.metrics(trained.run.id, { split: "train", names: ["loss"] });
    // It starts where the base ended, far below a fresh model's ln(320) ≈ 5.77.
    expect(loss?.values[0]).toBeLessThan((orig?.values[0] ?? 0) - 1);
    const out = await exportRun({
      runs,
      registry: platform.registry,
      runsDir,
      run: ft.run.id,
      quant: "f16",
      name: "export-test-ft",
      actor: "test",
    });
    expect(out.version.lineage).toMatchObject({ parent: "export-test@1", runId: ft.run.id });
    await expect(
      loadBaseModel({ registry: platform.registry, artifacts: platform.artifacts, runs, runsDir, ref: "nope@1" }),
    ).rejects.toMatchObject({ code: "not_found" });
  }, 120_000);

  it("distils a smaller student from a registered teacher and compares them", async () => {
    const teacher = await loadBaseModel({
      registry: platform.registry,
      artifacts: platform.artifacts,
      runs,
      runsDir,
      ref: "export-test@1",
    });
    const config = parseTrainConfig(
      {
        name: "student",
        data: { files: ["corpus.txt"] },
        model: { dim: 32, layers: 1, heads: 2, seqLen: 32 },
        train: { steps: 25, batchSize: 4, lr: 0.01, warmupSteps: 2, evalEvery: 0, evalBatches: 1 },
        distill: { alpha: 0.3, temperature: 2 },
      },
      dir,
    );
    const st = await trainModel(config, { runs, actor: "test", runsDir }, undefined, teacher);
    expect(st.status).toBe("completed");
    expect(st.run.params).toMatchObject({ teacher: "export-test@1", distill: { alpha: 0.3, temperature: 2 } });
    const s = st.run.summary as Record<string, number>;
    expect(s.teacher_params).toBeGreaterThan(2 * (s.student_params ?? 0));
    expect(s.teacher_val_perplexity).toBeGreaterThan(1);
    expect(s.student_forward_tokens_per_s).toBeGreaterThan(0);
    const [loss] = await runs.metrics(st.run.id, { split: "train", names: ["loss"] });
    expect(loss?.values.at(-1)).toBeLessThan((loss?.values[0] ?? 0) * 0.8);
    expect(st.valPerplexity).toBeLessThan(100);
    await expect(trainModel(config, { runs, actor: "test", runsDir }, teacher, teacher)).rejects.toMatchObject({
      code: "usage",
    });
  }, 120_000);
});
