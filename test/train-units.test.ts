// Small pieces of the trainer: recipe validation, the data sampler, safetensors files, the
// progress line.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { progressLine } from "../src/cli/commands/train.js";
import { defaultFfnDim, loadTrainConfig, parseTrainConfig } from "../src/train/config.js";
import { evalBatches, trainBatch } from "../src/train/data.js";
import { readSafetensors, writeSafetensors } from "../src/train/safetensors.js";

const dir = mkdtempSync(path.join(tmpdir(), "llmops-train-units-"));
const minimal = {
  data: { files: ["a.txt"] },
  model: { dim: 32, layers: 1, heads: 2, seqLen: 8 },
  train: { steps: 5, batchSize: 2, warmupSteps: 1 },
};

describe("train recipe", () => {
  it("fills defaults and resolves paths against the recipe's folder", () => {
    const c = parseTrainConfig(minimal, "/recipes");
    expect(c.data.files).toEqual(["/recipes/a.txt"]);
    expect(c.train).toMatchObject({ lr: 3e-3, seed: 1234, clipNorm: 1, evalEvery: 50 });
    expect(c.tokenizer.vocabSize).toBe(512);
    expect(defaultFfnDim(64)).toBe(192);
    expect(defaultFfnDim(100)).toBe(288);
  });

  it("names the field of every mistake", async () => {
    const bad = (doc: unknown) => () => parseTrainConfig(doc, "/");
    expect(bad({ ...minimal, model: { ...minimal.model, heads: 3 } })).toThrow(/model\.dim/);
    expect(bad({ ...minimal, train: { ...minimal.train, steps: 0 } })).toThrow(/train\.steps/);
    expect(bad({ ...minimal, train: { ...minimal.train, warmupSteps: 9 } })).toThrow(/warmupSteps/);
    expect(bad({ ...minimal, data: { files: [] } })).toThrow(/data\.files/);
    expect(bad({ ...minimal, modle: {} })).toThrow(/modle/);
    expect(bad(null)).toThrow(/data/);
    writeFileSync(path.join(dir, "broken.yaml"), "data: [unclosed");
    await expect(loadTrainConfig(path.join(dir, "broken.yaml"))).rejects.toMatchObject({ code: "config_invalid" });
    await expect(loadTrainConfig(path.join(dir, "absent.yaml"))).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("data sampler", () => {
  const tokens = Int32Array.from({ length: 500 }, (_, i) => i);
  it("draws batch t from (seed, t) alone, with y the next token of x", () => {
    const a = trainBatch(tokens, 5, 17, 3, 8);
    expect(trainBatch(tokens, 5, 17, 3, 8)).toEqual(a);
    expect(trainBatch(tokens, 5, 18, 3, 8).x).not.toEqual(a.x);
    expect(trainBatch(tokens, 6, 17, 3, 8).x).not.toEqual(a.x);
    for (let i = 0; i < a.x.length; i++) expect(a.y[i]).toBe((a.x[i] as number) + 1);
    const ev = evalBatches(tokens, 2, 2, 8);
    expect(ev[0]?.x[0]).toBe(0);
    expect(ev[1]?.y.at(-1)).toBe(500 - 1);
  });
});

describe("safetensors", () => {
  it("round-trips tensors and metadata, and rejects truncated files", async () => {
    const file = path.join(dir, "w.safetensors");
    const a = { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) };
    const b = { shape: [1], data: Float32Array.from([Number.NaN]) };
    await writeSafetensors(file, { b, a }, { step: "7" });
    const back = await readSafetensors(file);
    expect(back.metadata).toEqual({ step: "7" });
    expect(back.tensors.a).toEqual(a);
    expect(back.tensors.b?.data[0]).toBeNaN();
    const bytes = readFileSync(file);
    const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString());
    expect(header.a).toEqual({ dtype: "F32", shape: [2, 3], data_offsets: [0, 24] });
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    writeFileSync(path.join(dir, "cut.safetensors"), bytes.subarray(0, bytes.length - 4));
    await expect(readSafetensors(path.join(dir, "cut.safetensors"))).rejects.toMatchObject({ code: "integrity" });
    await expect(writeSafetensors(file, { a: { shape: [4], data: new Float32Array(3) } })).rejects.toThrow(/shape/);
    expect((await readSafetensors(file)).tensors.a).toEqual(a); // the failed write left the old file
  });
});

describe("progress line", () => {
  it("shows step, bar, loss, val loss, tokens/s and ETA", () => {
    expect(
      progressLine({ step: 5, totalSteps: 10, loss: 2.34567, tokensPerS: 1234.4, etaS: 75, valLoss: 2.5 }, 10),
    ).toBe("step 5/10 [=====     ] loss 2.346 val 2.500 1234 tok/s ETA 1m15s");
  });
});
