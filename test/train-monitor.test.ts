// Convergence monitoring rules, fed synthetic metric streams that force each condition, plus one
// real run with a huge learning rate that must be caught as divergence.
import { describe, expect, it } from "vitest";
import { createJaxBackend } from "../src/train/jax-backend.js";
import { defaultOptim, initParams, type ModelConfig, seededRng } from "../src/train/model.js";
import {
  type Detection,
  defaultMonitorConfig,
  initialMonitorState,
  type MonitorConfig,
  observeEval,
  observeTrainStep,
} from "../src/train/monitor.js";

function feed(losses: number[], cfg: MonitorConfig = defaultMonitorConfig) {
  let state = initialMonitorState();
  const all: Detection[] = [];
  let stoppedAt: number | undefined;
  losses.forEach((loss, i) => {
    const o = observeTrainStep(state, cfg, { step: i + 1, loss, gradNorm: 1 });
    state = o.state;
    all.push(...o.detections);
    if (o.stop && stoppedAt === undefined) stoppedAt = i + 1;
  });
  return { state, all, stoppedAt };
}
const decaying = (n: number, from = 5, to = 2) =>
  Array.from({ length: n }, (_, i) => to + (from - to) * Math.exp(-i / 30));

describe("convergence monitor", () => {
  it("stays quiet on a healthy, decreasing loss curve", () => {
    const r = feed(decaying(150));
    expect(r.all).toEqual([]);
    expect(r.stoppedAt).toBeUndefined();
  });

  it("stops at once on NaN or infinite loss or gradient norm", () => {
    const r = feed([...decaying(20), Number.NaN, 3]);
    expect(r.all.map((d) => [d.kind, d.step])).toEqual([["divergence", 21]]);
    expect(r.stoppedAt).toBe(21);
    const g = observeTrainStep(initialMonitorState(), defaultMonitorConfig, {
      step: 1,
      loss: 3,
      gradNorm: Number.POSITIVE_INFINITY,
    });
    expect(g.stop).toBe(true);
    expect(g.detections[0]?.message).toMatch(/gradient norm is Infinity/);
  });

  it("flags a loss spike once per episode, and divergence when the loss keeps growing", () => {
    const base = decaying(40);
    const spike = feed([...base, 6, 6.5, ...decaying(20, 2.2, 2)]);
    expect(spike.all.filter((d) => d.kind === "loss_spike").map((d) => d.step)).toEqual([41]);
    expect(spike.stoppedAt).toBeUndefined();
    const growing = feed([...base, ...Array.from({ length: 60 }, (_, i) => 2.2 * 1.08 ** i)]);
    expect(growing.all.at(-1)?.kind).toBe("divergence");
    expect(growing.stoppedAt).toBeDefined();
  });

  it("detects a plateau, and stops on it only when asked", () => {
    const flat = [...decaying(60), ...Array.from({ length: 250 }, () => 2.3)];
    const r = feed(flat);
    const plateaus = r.all.filter((d) => d.kind === "plateau");
    expect(plateaus.length).toBeGreaterThan(0);
    expect(plateaus[0]?.step).toBeGreaterThan(100);
    expect(r.stoppedAt).toBeUndefined();
    expect(feed(flat, { ...defaultMonitorConfig, stopOnPlateau: true }).stoppedAt).toBe(plateaus[0]?.step);
  });

  it("detects overfitting: validation loss rising while training loss falls", () => {
    const cfg = { ...defaultMonitorConfig, stopOnOverfit: true };
    let state = initialMonitorState();
    const found: Detection[] = [];
    let stop = false;
    const train = decaying(200);
    const val = [3.0, 2.8, 2.85, 2.9, 3.0, 3.2];
    for (let i = 0; i < train.length; i++) {
      state = observeTrainStep(state, cfg, { step: i + 1, loss: train[i] ?? 0 }).state;
      if ((i + 1) % 30 === 0) {
        const o = observeEval(state, cfg, { step: i + 1, loss: val[(i + 1) / 30 - 1] ?? 0 });
        state = o.state;
        found.push(...o.detections);
        stop ||= o.stop;
      }
    }
    expect(found.map((d) => [d.kind, d.step])).toEqual([["overfitting", 150]]);
    expect(stop).toBe(true);
    // Both falling: no overfitting.
    let s2 = initialMonitorState();
    const none: Detection[] = [];
    for (let i = 0; i < 6; i++) {
      s2 = observeTrainStep(s2, cfg, { step: i + 1, loss: 3 - i * 0.1 }).state;
      const o = observeEval(s2, cfg, { step: i + 1, loss: 3.1 - i * 0.1 });
      s2 = o.state;
      none.push(...o.detections);
    }
    expect(none).toEqual([]);
  });

  it("catches a real run with a huge learning rate", async () => {
    const model: ModelConfig = {
      vocabSize: 32,
      dim: 32,
      layers: 1,
      heads: 2,
      kvHeads: 2,
      ffnDim: 64,
      seqLen: 16,
      ropeTheta: 10000,
      normEps: 1e-5,
    };
    const be = await createJaxBackend({
      model,
      optim: { ...defaultOptim, lr: 50, warmupSteps: 0, totalSteps: 40, clipNorm: 0, weightDecay: 0 },
      params: initParams(model, 1),
    });
    const r = seededRng(2);
    let state = initialMonitorState();
    const cfg = { ...defaultMonitorConfig, warmupSteps: 2, divergePatience: 3 };
    let caught: Detection | undefined;
    for (let step = 1; step <= 40 && !caught; step++) {
      const x = Int32Array.from({ length: 64 }, () => Math.floor(r.uniform() * 32));
      const y = x.map((t) => (t + 1) % 32);
      const st = await be.step({ x, y, batch: 4 });
      const o = observeTrainStep(state, cfg, { step, loss: st.loss, gradNorm: st.gradNorm });
      state = o.state;
      if (o.stop) caught = o.detections.find((d) => d.kind === "divergence");
    }
    be.dispose();
    expect(caught?.kind).toBe("divergence");
  }, 60_000);
});
