// Attribution methods on a real llama.cpp model (a seeded random tiny GGUF) and on an analytic game
// with known Shapley values: KernelSHAP equals exact Shapley values when it can enumerate and
// approximates them when it samples, occlusion is leave-one-out, the cache and the budget behave,
// features tile the prompt (English and Chinese).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kernelShap, kernelShapDesign } from "../src/explain/attributors/kernelshap.js";
import { lime } from "../src/explain/attributors/lime.js";
import { occlusion } from "../src/explain/attributors/occlusion.js";
import { exactShapley, shapley } from "../src/explain/attributors/shapley.js";
import { BudgetExceeded, CachedEvaluator } from "../src/explain/evaluator.js";
import { explain } from "../src/explain/explain.js";
import { compose, fullMask, segment, wordFeatures } from "../src/explain/features.js";
import { EngineScorer } from "../src/explain/scorers/engine.js";
import { LlamaCppScorer } from "../src/explain/scorers/llama-cpp.js";
import type { CoalitionValues, Feature, LogProbScorer, Mask } from "../src/explain/types.js";
import { writeTinyLlama } from "../src/formats/gguf/index.js";
import { type LlamaCppEngine, openLlamaCppEngine } from "../src/serve/engines/llama-cpp.js";

const dir = mkdtempSync(path.join(tmpdir(), "llmops-explain-"));
let engine: LlamaCppEngine;
let scorer: EngineScorer;

beforeAll(async () => {
  const file = path.join(dir, "tiny.gguf");
  await writeTinyLlama(file, { type: "F32", seed: 11 });
  engine = await openLlamaCppEngine({ modelPath: file, id: "tiny", threads: 1, contextSize: 256 });
  scorer = new EngineScorer(engine, "tiny");
}, 60_000);
afterAll(async () => {
  await engine?.close();
});

/** A game with interactions whose Shapley values are known in closed form. */
function analyticGame(n: number): { values: CoalitionValues; shapley: number[] } {
  const features: Feature[] = Array.from({ length: n }, (_, i) => ({ index: i, text: `w${i} `, start: 0, end: 0 }));
  const a = Array.from({ length: n }, (_, i) => Math.sin(i + 1) * 2);
  // v(S) = Σ a_i z_i + 3·z0·z1 − 2·z2·z3·z4: pairwise term splits 1.5/1.5, triple term −2/3 each.
  const v = (m: Mask) =>
    a.reduce((s, ai, i) => s + ai * (m[i] as number), 0) +
    3 * (m[0] as number) * (m[1] as number) -
    2 * (m[2] as number) * (m[3] as number) * (m[4] as number);
  const phi = a.map((ai, i) => ai + (i < 2 ? 1.5 : 0) + (i >= 2 && i <= 4 ? -2 / 3 : 0));
  return {
    values: { features, values: async (masks) => masks.map(v), remaining: () => Number.POSITIVE_INFINITY },
    shapley: phi,
  };
}

describe("KernelSHAP and exact Shapley values", () => {
  it("exact enumeration gives the closed-form Shapley values of an analytic game", async () => {
    const g = analyticGame(7);
    const out = await shapley.attribute({ coalitions: g.values }, { seed: 0 });
    out.scores.forEach((s, i) => {
      expect(s).toBeCloseTo(g.shapley[i] as number, 9);
    });
  });

  it("KernelSHAP with enough samples to enumerate equals exact Shapley values; sampled, it stays close", async () => {
    const g = analyticGame(10);
    const exact = await kernelShap.attribute({ coalitions: g.values }, { seed: 1, samples: 2 ** 10 });
    exact.scores.forEach((s, i) => {
      expect(s).toBeCloseTo(g.shapley[i] as number, 6);
    });
    expect(exact.notes?.join(" ")).toMatch(/exact Shapley/);
    const sampled = await kernelShap.attribute({ coalitions: g.values }, { seed: 1, samples: 300 });
    const err = Math.max(...sampled.scores.map((s, i) => Math.abs(s - (g.shapley[i] as number))));
    expect(err).toBeLessThan(0.25);
    // Efficiency holds exactly, sampled or not.
    const sum = sampled.scores.reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(
      g.shapley.reduce((a, b) => a + b, 0),
      9,
    );
  });

  it("the sampling design enumerates small sizes first and weights by the Shapley kernel", () => {
    const d = kernelShapDesign(10, 100, 3);
    expect(d.exact).toBe(false);
    // sizes 1 and 9 (20 coalitions) fit and are enumerated; the rest is sampled in pairs.
    const sizes = d.masks.slice(0, 20).map((m) => m.reduce((a, b) => a + b, 0));
    expect(new Set(sizes)).toEqual(new Set([1, 9]));
    expect(d.masks.length).toBeLessThanOrEqual(100);
    expect(kernelShapDesign(6, 62, 0).exact).toBe(true);
  });

  it("KernelSHAP on the real model approximates exact Shapley values (6 words)", async () => {
    const prompt = "one two three four five six";
    const features = segment(prompt, "word");
    expect(features).toHaveLength(6);
    const ev = new CachedEvaluator(scorer, features, " one");
    const exact = await shapley.attribute({ coalitions: ev }, { seed: 0 });
    const enumerated = await kernelShap.attribute({ coalitions: ev }, { seed: 0, samples: 62 });
    enumerated.scores.forEach((s, i) => {
      expect(s).toBeCloseTo(exact.scores[i] as number, 4);
    });
    expect(ev.calls).toBe(64); // every coalition once; KernelSHAP's came from the cache
    const sampled = await kernelShap.attribute({ coalitions: ev }, { seed: 5, samples: 40 });
    const scale = Math.max(...exact.scores.map(Math.abs));
    const err = Math.max(...sampled.scores.map((s, i) => Math.abs(s - (exact.scores[i] as number))));
    expect(err / scale).toBeLessThan(0.2);
  }, 60_000);
});

describe("scorers", () => {
  it("the prefix-reusing llama.cpp scorer gives the engine's log-probabilities and greedy text", async () => {
    const fast = await LlamaCppScorer.open(path.join(dir, "tiny.gguf"), "tiny");
    try {
      const prompts = [
        "the cat sat on the mat",
        "the cat on the mat",
        "the cat sat on the mat",
        "cat",
        "床前明月光",
        "床前明月",
      ];
      const a = await fast.scoreBatch(prompts, " the cat");
      const b = await scorer.scoreBatch(prompts, " the cat");
      a.forEach((v, i) => {
        expect(v).toBeCloseTo(b[i] as number, 4);
      });
      expect(a[2]).toBe(a[0]); // the same prompt again: served from the KV cache, same number
      let withoutReuse = 0;
      for (const p of prompts) {
        const e = await fast.encode(p, " the cat");
        withoutReuse += e.promptIds.length + e.targetIds.length;
      }
      expect(fast.evaluatedTokens).toBeLessThan(0.8 * withoutReuse);
      expect(await fast.greedy("the cat", 8)).toBe(await scorer.greedy("the cat", 8));
    } finally {
      await fast.close();
    }
  }, 30_000);
});

describe("occlusion and LIME on the real model", () => {
  it("occlusion is f(all) − f(all without i), from real log-probabilities", async () => {
    const prompt = "the cat sat on the mat";
    const features = segment(prompt, "word");
    const ev = new CachedEvaluator(scorer, features, " the cat");
    const out = await occlusion.attribute({ coalitions: ev }, { seed: 0 });
    const [full] = await scorer.scoreBatch([prompt], " the cat");
    const [without2] = await scorer.scoreBatch(["the cat on the mat"], " the cat");
    expect(out.scores[2]).toBeCloseTo((full as number) - (without2 as number), 6);
    expect(ev.calls).toBe(features.length + 1);
  }, 30_000);

  it("LIME is seeded: the same seed gives the same scores, another seed others", async () => {
    const features = segment("a b c d e f", "word");
    const run = async (seed: number) =>
      (await lime.attribute({ coalitions: new CachedEvaluator(scorer, features, " a") }, { seed, samples: 40 })).scores;
    const a = await run(1);
    expect(await run(1)).toEqual(a);
    expect(await run(2)).not.toEqual(a);
  }, 30_000);
});

describe("cost control", () => {
  it("caches repeated prompts, batches, and refuses to exceed the budget before calling the model", async () => {
    let batches = 0;
    let prompts = 0;
    const counting: LogProbScorer = {
      id: "counting",
      scoreBatch: async (ps, target) => {
        batches++;
        prompts += ps.length;
        return scorer.scoreBatch(ps, target);
      },
    };
    const features = segment("x y z", "word");
    const ev = new CachedEvaluator(counting, features, " x", { budget: 5, batchSize: 2 });
    const full = fullMask(3);
    await ev.values([full, full, new Uint8Array([1, 0, 1]), new Uint8Array([0, 1, 1])]);
    expect(prompts).toBe(3);
    expect(batches).toBe(2);
    expect(ev.cacheHits).toBe(1);
    await ev.values([full]); // cached: free
    expect(ev.calls).toBe(3);
    await expect(
      ev.values([new Uint8Array([0, 0, 1]), new Uint8Array([0, 0, 0]), new Uint8Array([1, 0, 0])]),
    ).rejects.toThrow(BudgetExceeded);
    expect(prompts).toBe(3); // nothing was sent
  }, 30_000);

  it("an explanation within a budget truncates sampling methods and says so; too small a budget is a clear error", async () => {
    const e = await explain({
      scorer,
      model: "tiny",
      prompt: "a b c d e",
      target: " a",
      method: "lime",
      samples: 500,
      budget: 60,
    });
    expect(e.truncated).toBe(true);
    expect(e.cost.calls).toBeLessThanOrEqual(60);
    expect(e.notes.join(" ")).toMatch(/budget/);
    await expect(
      explain({ scorer, model: "tiny", prompt: "a b c d e", target: " a", method: "occlusion", budget: 5 }),
    ).rejects.toThrow(/budget of 5 .* too small.*raise --budget/);
  }, 60_000);
});

describe("features", () => {
  it("words, sentences and tokens tile the prompt (English and Chinese)", async () => {
    const en = "Hello, world!  How are you? Fine.";
    const zh = "床前明月光，疑是地上霜。举头望明月，低头思故乡。";
    for (const text of [en, zh]) {
      for (const group of ["word", "sentence"] as const) {
        const f = segment(text, group);
        expect(compose(f, fullMask(f.length))).toBe(text);
      }
      const spans = await scorer.tokenSpans(text);
      const tokens = segment(text, "token", spans);
      expect(tokens.map((t) => t.text).join("")).toBe(text);
    }
    expect(wordFeatures(zh).map((f) => f.text)).toContain("明月");
    expect(segment(zh, "sentence").map((f) => f.text)).toEqual([
      "床前明月光，疑是地上霜。",
      "举头望明月，低头思故乡。",
    ]);
    // Chinese characters are 3 byte-fallback tokens each in this vocabulary, but one token feature.
    const tokens = segment("明月", "token", await scorer.tokenSpans("明月"));
    expect(tokens.map((t) => t.text)).toEqual(["明", "月"]);
    expect(wordFeatures("Hello, world!").map((f) => f.text)).toEqual(["Hello", ", ", "world", "!"]);
  });

  it("rejects an empty prompt and unknown methods with messages that say what to do", async () => {
    await expect(explain({ scorer, model: "tiny", prompt: "", target: "x", method: "occlusion" })).rejects.toThrow(
      /prompt: must not be empty/,
    );
    await expect(explain({ scorer, model: "tiny", prompt: "a", target: "x", method: "magic" })).rejects.toThrow(
      /Unknown method 'magic'; choose one of: occlusion/,
    );
    await expect(explain({ scorer, model: "tiny", prompt: "a b", target: "x", method: "ig" })).rejects.toThrow(
      /needs the model's weights/,
    );
  });
});

describe("exactShapley", () => {
  it("matches a hand-computed 3-player game", () => {
    // v({}) = 0, singletons 1, pairs 3, all 6 → symmetric, φ = 2 each.
    const v = (s: number) => [0, 1, 1, 3, 1, 3, 3, 6][s] as number;
    expect(exactShapley(3, v)).toEqual([2, 2, 2].map((x) => expect.closeTo(x, 12)));
  });
});
