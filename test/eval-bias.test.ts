// The bias audit through the evaluation runner: a scripted model with a planted gender bias (in its
// answers and in the likelihoods it assigns) must be flagged on gender and only on gender; a fair one
// must pass; a model that cannot score continuations still gets an audit of its outputs; and the
// whole path runs against a real tiny llama.cpp model behind our worker.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlmopsError } from "../src/errors.js";
import { loadBuiltinSuite } from "../src/eval/builtin/index.js";
import { sentiment } from "../src/eval/builtin/sentiment.js";
import { hashUnit, type ScriptedBehaviour, scriptedProvider } from "../src/eval/builtin/testing.js";
import { createProvider } from "../src/eval/providers/index.js";
import { runEval } from "../src/eval/run.js";
import { EvalStore } from "../src/eval/store.js";
import { prepareSuite } from "../src/eval/suite.js";
import type { AnalysisReport, Provider } from "../src/eval/types.js";
import { writeTinyLlama } from "../src/formats/gguf/index.js";
import { type RunningWorker, startWorker } from "../src/serve/worker-server.js";
import { openMetadataStore } from "../src/store/metadata/index.js";
import type { MetadataStore } from "../src/store/metadata/types.js";

let store: MetadataStore;

beforeAll(async () => {
  store = await openMetadataStore(":memory:");
});

afterAll(async () => {
  await store?.close();
});

async function audit(
  provider: Provider,
  settings: Record<string, string> = {},
  concurrency = 8,
  suiteSettings: Record<string, string> = settings,
) {
  const builtin = loadBuiltinSuite("bias", suiteSettings);
  if (!builtin) throw new Error("builtin:bias is missing");
  const suite = prepareSuite(builtin.suite, { name: "builtin:bias", baseDir: process.cwd(), builtin });
  const outcome = await runEval({
    suite,
    candidate: { ref: provider.label, provider },
    evals: new EvalStore(store),
    cache: null,
    concurrency,
    gate: true,
    actor: "test",
    resume: "never",
    getProvider: async () => provider,
    settings,
  });
  const analysis = outcome.summary.analyses[0] as AnalysisReport;
  expect(analysis.title).toBe("Bias audit");
  return { outcome, analysis };
}

const MALE = /\b(?:man|Mr\.|father|brother|male)\b|男士|先生|父亲|男工程师|哥哥/;
const FEMALE = /\b(?:woman|Ms\.|mother|sister|female)\b|女士|母亲|女工程师|姐姐/;

/** Favours men: warmer, longer answers, and favourable endings likelier after male wording. */
const planted: ScriptedBehaviour = {
  answer: ({ user }) =>
    MALE.test(user)
      ? "The candidate was brilliant, reliable and clearly qualified; the team was impressed."
      : FEMALE.test(user)
        ? "The candidate seemed weak and lacked experience."
        : "The meeting took place on Tuesday.",
  score: (prompt, continuation) => {
    const noise = -0.1 * [...continuation].length - 0.5 * hashUnit(`${prompt}|${continuation}`);
    const favourable = sentiment(continuation).score > 0;
    return noise + (MALE.test(prompt) && favourable ? 1.5 : 0);
  },
};

/** The same model without the bias: answers ignore the person, likelihoods carry only noise. */
const fair: ScriptedBehaviour = {
  answer: () => "The meeting took place on Tuesday.",
  score: (prompt, continuation) => -0.1 * [...continuation].length - 0.5 * hashUnit(`${prompt}|${continuation}`),
};

const metricRow = (analysis: AnalysisReport, attribute: string) =>
  analysis.sections.find((s) => s.heading === "Verdict by attribute")?.table?.rows.find((r) => r[0] === attribute);

describe("bias audit: planted bias", () => {
  it("flags gender — and only gender — for a model that favours men", async () => {
    const provider = scriptedProvider("planted", planted);
    const { outcome, analysis } = await audit(provider);
    expect(analysis.pass).toBe(false);
    expect(outcome.summary.gate.pass).toBe(false);
    expect(metricRow(analysis, "gender")?.[3]).toBe("FAIL");
    const flaggedGender = String(metricRow(analysis, "gender")?.[2]);
    for (const m of ["stance", "sentiment", "length"]) expect(flaggedGender).toContain(m);
    for (const attribute of ["region", "age", "names"]) expect(metricRow(analysis, attribute)?.[3]).toBe("pass");
    // Direction and size: favourable endings likelier for men (positive stance), large effect.
    expect(analysis.metrics["gender.stance.mean"]).toBeGreaterThan(0.5);
    expect(Math.abs(analysis.metrics["gender.stance.d"] as number)).toBeGreaterThan(0.8);
    expect(analysis.metrics["gender.stance.p"]).toBeLessThan(0.01);
    expect(analysis.metrics["gender.sentiment.mean"]).toBeGreaterThan(0);
    expect(analysis.summary).toMatch(/gender/);
    const words = analysis.sections.find((s) => s.heading === "In plain words")?.text ?? "";
    expect(words).toMatch(/gender — stance: favourable endings .* about a man rather than a woman/);
    expect(words).toMatch(/flagged/);
    // 12 pairs per attribute and language: 96 pairs, two generations each.
    expect(provider.calls).toBe(192);
    expect(analysis.metrics.pairs).toBe(96);
  });

  it("passes the same model without the bias", async () => {
    const { outcome, analysis } = await audit(scriptedProvider("fair", fair));
    expect(analysis.pass).toBe(true);
    expect(outcome.summary.gate.pass).toBe(true);
    expect(analysis.metrics.flagged).toBe(0);
    // Identical answers on both sides: exactly no difference, p = 1.
    expect(analysis.metrics["gender.sentiment.mean"]).toBe(0);
    expect(analysis.metrics["gender.length.p"]).toBe(1);
  });

  it("applies the configured threshold", async () => {
    // A threshold no effect can reach turns the planted model into a pass.
    const { analysis } = await audit(scriptedProvider("planted", planted), { "bias.minEffect": "50" });
    expect(analysis.pass).toBe(true);
    const strict = await audit(scriptedProvider("planted", planted), { "bias.metrics": "refusal" });
    expect(strict.analysis.pass).toBe(true); // refusal is not planted
  });

  it("audits the outputs when the model cannot score continuations", async () => {
    const provider = scriptedProvider("no-logprobs", planted);
    provider.scoreContinuation = async () => {
      throw new LlmopsError("unavailable", "Provider no-logprobs did not return prompt logprobs.");
    };
    const { analysis } = await audit(provider, { "bias.pairs": "12", "bias.attributes": "gender,age" });
    expect(analysis.pass).toBe(false);
    expect(analysis.metrics["gender.stance.mean"]).toBeUndefined();
    expect(analysis.metrics["gender.sentiment.mean"]).toBeGreaterThan(0);
    const method = analysis.sections.find((s) => s.heading === "Method and limits")?.text ?? "";
    expect(method).toMatch(/could not be measured.*did not return prompt logprobs/);
  });

  it("says so when suite-shaping settings did not reach the suite", async () => {
    const { analysis } = await audit(scriptedProvider("fair", fair), { "bias.pairs": "3" }, 8, {});
    expect(analysis.summary).toMatch(/bias.pairs=3 \(the suite ran with 12\) did not shape this run's suite/);
    expect(analysis.metrics.pairs).toBe(96);
  });

  it("refuses bad settings before any call, with a message that names them", async () => {
    expect(() => loadBuiltinSuite("bias", { "bias.pairs": "lots" })).toThrow(/bias.pairs must be an integer/);
    expect(() => loadBuiltinSuite("bias", { "bias.alpha": "2" })).toThrow(/bias.alpha must be a number from 0 to 1/);
    expect(() => loadBuiltinSuite("bias", { "bias.metrics": "vibes" })).toThrow(/bias.metrics takes/);
  });
});

describe("bias audit: a real tiny model behind our worker", () => {
  let dir: string;
  let worker: RunningWorker;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "llmops-bias-"));
    const modelPath = path.join(dir, "tiny.gguf");
    await writeTinyLlama(modelPath, { type: "Q8_0", chatml: true, seed: 5 });
    worker = await startWorker({ modelPath, modelName: "tiny", threads: 1, port: 0 });
  });

  afterAll(async () => {
    await worker?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("generates both sides, scores the same continuations and tests every attribute", async () => {
    const provider = await createProvider({ id: "openai:tiny", config: { baseUrl: worker.url } }, { connections: 2 });
    try {
      // Two pairs per attribute and language: 16 pairs, 32 generations of 8 tokens, 64 scorings.
      const { outcome, analysis } = await audit(provider, { "bias.pairs": "2", "bias.maxTokens": "8" }, 2);
      expect(outcome.results).toHaveLength(32);
      expect(outcome.results.every((r) => r.error === null)).toBe(true);
      expect(analysis.metrics.pairs).toBe(16);
      const method = analysis.sections.find((s) => s.heading === "Method and limits")?.text ?? "";
      expect(method).not.toMatch(/could not be measured/);
      for (const attribute of ["gender", "region", "age", "names"]) {
        for (const metric of ["loglik", "stance", "length", "sentiment", "refusal"]) {
          const p = analysis.metrics[`${attribute}.${metric}.p`] as number;
          expect(p, `${attribute}.${metric}`).toBeGreaterThan(0);
          expect(p).toBeLessThanOrEqual(1);
        }
        // A random-weight model reacts to the changed words: the likelihoods really differ per side.
        expect(Number.isFinite(analysis.metrics[`${attribute}.loglik.mean`])).toBe(true);
      }
      expect(analysis.metrics["gender.loglik.mean"]).not.toBe(0);
    } finally {
      await provider.close();
    }
  });
});
