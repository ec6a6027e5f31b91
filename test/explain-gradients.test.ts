// Gradient methods on our own forward pass: its log-probabilities equal llama.cpp's on the same
// GGUF (F32 closely, Q8_0 within llama.cpp's activation-quantisation error), integrated gradients
// meet completeness within 1%, gradient × input is the directional derivative, attention maps are
// causal distributions.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ModelAccess, openLocalModel } from "../src/explain/access.js";
import { explain } from "../src/explain/explain.js";
import { segment } from "../src/explain/features.js";
import { writeTinyLlama } from "../src/formats/gguf/index.js";

const dir = mkdtempSync(path.join(tmpdir(), "llmops-explain-grad-"));
let f32: ModelAccess;
let q8: ModelAccess;
const CASES: Array<[string, string]> = [
  ["床前明月光，疑是地上霜。", "举头望明月，"],
  ["The cat sat on the mat. The cat", " sat on the mat."],
  ["a", "b"],
];

beforeAll(async () => {
  await writeTinyLlama(path.join(dir, "f32.gguf"), { type: "F32", seed: 21 });
  await writeTinyLlama(path.join(dir, "q8.gguf"), { type: "Q8_0", seed: 21 });
  f32 = await openLocalModel(path.join(dir, "f32.gguf"), "f32");
  q8 = await openLocalModel(path.join(dir, "q8.gguf"), "q8");
}, 60_000);
afterAll(async () => {
  await f32?.close();
  await q8?.close();
});

describe("our forward pass against llama.cpp", () => {
  it("gives the same log p(target | prompt) as the worker's engine (F32: ~1e-5 relative; Q8_0: ≤ 0.01 nats per token)", async () => {
    for (const [access, perToken] of [
      [f32, 2e-4],
      [q8, 1e-2],
    ] as const) {
      for (const [prompt, target] of CASES) {
        const [llama] = await access.scorer.scoreBatch([prompt], target);
        const g = await access.gradients!(prompt, target, segment(prompt, "word"));
        const [ours] = await g.logprob([1]);
        expect(Math.abs((ours as number) - (llama as number))).toBeLessThanOrEqual(
          perToken * g.targetIds.length + 1e-3,
        );
      }
    }
  }, 60_000);
});

describe("integrated gradients and gradient × input", () => {
  it("integrated gradients: attributions sum to f(x) − f(baseline) within 1% (reported as a check)", async () => {
    for (const [prompt, target] of CASES.slice(1, 2)) {
      const e = await explain({
        scorer: f32.scorer,
        gradients: f32.gradients!,
        model: "f32",
        prompt,
        target: target,
        method: "ig",
        randomOrders: 0,
      });
      const c = e.checks.completeness!;
      expect(c.ok).toBe(true);
      expect(Math.abs(c.actual - c.expected)).toBeLessThanOrEqual(0.01 * Math.max(Math.abs(c.expected), 0.1));
      // Word scores are sums of token scores, so they keep completeness.
      expect(e.features.reduce((s, f) => s + f.score, 0)).toBeCloseTo(c.actual, 6);
      expect(e.summary).toMatch(/raised the chance|No part/);
    }
  }, 120_000);

  it("few steps on a uniform start are reported as incomplete, not hidden", async () => {
    const e = await explain({
      scorer: f32.scorer,
      gradients: f32.gradients!,
      model: "f32",
      prompt: CASES[0]![0],
      target: CASES[0]![1],
      method: "ig-riemann",
      samples: 2,
      randomOrders: 0,
    });
    expect(e.checks.completeness!.ok).toBe(false);
    expect(e.notes.join(" ")).toMatch(/raise --samples/);
  }, 60_000);

  it("gradient × input summed over tokens is the derivative of f(α·x) at α = 1", async () => {
    const [prompt, target] = CASES[1]!;
    const g = await f32.gradients!(prompt, target, segment(prompt, "word"));
    const { perToken } = await g.gradDotInput([1]);
    const h = 1e-2;
    const [minus, plus] = await g.logprob([1 - h, 1 + h]);
    const fd = ((plus as number) - (minus as number)) / (2 * h);
    const analytic = perToken[0]!.reduce((a, b) => a + b, 0);
    expect(Math.abs(analytic - fd)).toBeLessThan(0.02 * Math.max(1, Math.abs(fd)));
    expect(perToken[0]![0]).toBe(0); // BOS is not part of the explained prompt
  }, 60_000);

  it("attention maps: one causal distribution per layer, head and query", async () => {
    const [prompt, target] = CASES[0]!;
    const e = await explain({
      scorer: f32.scorer,
      gradients: f32.gradients!,
      model: "f32",
      prompt,
      target,
      method: "attention",
      group: "token",
      randomOrders: 0,
    });
    const a = e.attention!;
    expect(a.layers).toBe(2);
    expect(a.heads).toBe(4);
    expect(a.tokens[0]).toBe("<s>");
    const T = a.maps[0]![0]!.length;
    expect(T).toBe(a.tokens.length - a.promptLength);
    for (const layer of a.maps)
      for (const head of layer)
        head.forEach((row, qi) => {
          const q = a.promptLength - 1 + qi;
          expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 4);
          for (let k = q + 1; k < row.length; k++) expect(row[k]).toBeLessThan(1e-6);
        });
    expect(e.unit).toBe("attention");
    expect(e.features.every((f) => f.score >= 0 && f.score <= 1)).toBe(true);
  }, 60_000);
});
