import { describe, expect, it } from "vitest";
import type { Batch } from "../src/train/backend.js";
import { createJaxBackend } from "../src/train/jax-backend.js";
import { defaultOptim, initParams, lrAt, type ModelConfig, seededRng } from "../src/train/model.js";

const model: ModelConfig = {
  vocabSize: 48,
  dim: 32,
  layers: 2,
  heads: 4,
  kvHeads: 2,
  ffnDim: 64,
  seqLen: 16,
  ropeTheta: 10000,
  normEps: 1e-5,
};

// A learnable stream: token t+1 = (t·3 + 1) mod V with a little noise.
function batches(seed: number, n: number, batch = 4): Batch[] {
  const r = seededRng(seed);
  const out: Batch[] = [];
  for (let i = 0; i < n; i++) {
    const len = batch * model.seqLen;
    const x = new Int32Array(len);
    const y = new Int32Array(len);
    for (let b = 0; b < batch; b++) {
      let t = Math.floor(r.uniform() * model.vocabSize);
      for (let j = 0; j < model.seqLen; j++) {
        const next = r.uniform() < 0.05 ? Math.floor(r.uniform() * model.vocabSize) : (t * 3 + 1) % model.vocabSize;
        x[b * model.seqLen + j] = t;
        y[b * model.seqLen + j] = next;
        t = next;
      }
    }
    out.push({ x, y, batch });
  }
  return out;
}

async function run(seed: number, steps: number): Promise<number[]> {
  const optim = { ...defaultOptim, lr: 1e-2, warmupSteps: 3, totalSteps: steps };
  const be = await createJaxBackend({ model, optim, params: initParams(model, seed) });
  const losses: number[] = [];
  for (const b of batches(seed + 1, steps)) losses.push((await be.step(b)).loss);
  be.dispose();
  return losses;
}

describe("jax-js training backend", () => {
  it("learns, and a rerun with the same seed gives the identical loss curve", async () => {
    const a = await run(7, 12);
    const b = await run(7, 12);
    expect(b).toEqual(a);
    expect(a.every(Number.isFinite)).toBe(true);
    expect(a[0]).toBeGreaterThan(Math.log(model.vocabSize) - 0.3);
    expect(a.at(-1)).toBeLessThan((a[0] ?? 0) - 0.5);
    const c = await run(8, 3);
    expect(c[0]).not.toEqual(a[0]);
  }, 120_000);

  it("evaluates loss and accuracy, and its loss matches the step's loss on the same batch", async () => {
    const optim = { ...defaultOptim, totalSteps: 2 };
    const be = await createJaxBackend({ model, optim, params: initParams(model, 3) });
    const [b] = batches(4, 1);
    if (!b) throw new Error("no batch");
    const ev = await be.evaluate(b);
    const st = await be.step(b);
    expect(ev.loss).toBeCloseTo(st.loss, 4);
    expect(ev.accuracy).toBeGreaterThanOrEqual(0);
    expect(ev.accuracy).toBeLessThanOrEqual(1);
    expect(ev.tokens).toBe(4 * model.seqLen);
    expect(st.gradNorm).toBeGreaterThan(0);
    expect(st.lr).toBeCloseTo(lrAt(1, optim), 10);
    const snap = await be.snapshot();
    expect(snap.optimizer.step).toBe(1);
    expect(snap.params["l0.wk"]?.shape).toEqual([32, 16]);
    const logits = await be.logits(b.x, b.batch);
    expect(logits.length).toBe(4 * model.seqLen * model.vocabSize);
    be.dispose();
  }, 60_000);

  it("clips the gradient: the update uses at most clipNorm, the reported norm is pre-clip", async () => {
    const [b] = batches(5, 1);
    if (!b) throw new Error("no batch");
    const params = initParams(model, 1);
    const optim = { ...defaultOptim, lr: 1, warmupSteps: 0, totalSteps: 1, weightDecay: 0, clipNorm: 1e-3 };
    const be = await createJaxBackend({ model, optim, params });
    const st = await be.step(b);
    expect(st.gradNorm).toBeGreaterThan(1e-3);
    const snap = await be.snapshot();
    // Adam's first step is ±lr·sign(g) regardless of scale, so check the first moment instead:
    // m = (1-β1)·clipped g, whose global norm is (1-β1)·clipNorm.
    let sq = 0;
    for (const t of Object.values(snap.optimizer.m)) for (const v of t.data) sq += v * v;
    expect(Math.sqrt(sq)).toBeCloseTo((1 - optim.beta1) * 1e-3, 6);
    be.dispose();
  }, 60_000);

  it("distils: with one-hot teacher targets at T=1 the objective is the plain cross-entropy", async () => {
    const [b] = batches(9, 1);
    if (!b) throw new Error("no batch");
    const optim = { ...defaultOptim, totalSteps: 1 };
    const plain = await createJaxBackend({ model, optim, params: initParams(model, 2) });
    const distil = await createJaxBackend({
      model,
      optim,
      params: initParams(model, 2),
      distill: { alpha: 0, temperature: 1 },
    });
    const teacherProbs = new Float32Array(b.y.length * model.vocabSize);
    b.y.forEach((t, i) => {
      teacherProbs[i * model.vocabSize + t] = 1;
    });
    const a = await plain.step(b);
    const d = await distil.step({ ...b, teacherProbs });
    expect(d.loss).toBeCloseTo(a.loss, 5);
    expect(d.gradNorm).toBeCloseTo(a.gradNorm, 4);
    await expect(distil.step({ ...b, teacherProbs: new Float32Array(3) })).rejects.toThrow(/teacherProbs/);
    plain.dispose();
    distil.dispose();
  }, 60_000);

  it("follows warm-up then cosine decay", () => {
    const o = { ...defaultOptim, lr: 1, warmupSteps: 10, totalSteps: 110, minLrRatio: 0.1 };
    expect(lrAt(5, o)).toBeCloseTo(0.5);
    expect(lrAt(10, o)).toBeCloseTo(1);
    expect(lrAt(60, o)).toBeCloseTo(0.55);
    expect(lrAt(110, o)).toBeCloseTo(0.1);
    expect(lrAt(500, o)).toBeCloseTo(0.1);
  });
});
