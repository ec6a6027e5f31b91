// The evaluation core against a real llama.cpp worker serving tiny random models (writeTinyLlama):
// registered providers, teacher-forced continuation scores and embeddings over the worker's HTTP API,
// stored runs, the cache, resume after an interruption, comparison with a baseline and the gate,
// holdout handling in reports, and the eval store on every configured database engine.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/index.js";
import { EvalCache } from "../src/eval/cache.js";
import { createProvider } from "../src/eval/providers/index.js";
import { buildReport, renderReport } from "../src/eval/report/index.js";
import { runEval } from "../src/eval/run.js";
import { EvalStore } from "../src/eval/store.js";
import { loadSuite, prepareSuite } from "../src/eval/suite.js";
import type { Provider, Suite } from "../src/eval/types.js";
import { writeTinyLlama } from "../src/formats/gguf/index.js";
import { openPlatform, type Platform } from "../src/platform/open.js";
import { announceWorker, liveWorkers } from "../src/platform/workers.js";
import { startWorker } from "../src/serve/worker-server.js";
import { openMetadataStore } from "../src/store/metadata/index.js";
import { databaseFactories } from "./helpers/databases.js";

const home = mkdtempSync(path.join(tmpdir(), "llmops-eval-"));
let platform: Platform;
let v1: Provider;
let v2: Provider;

const factory = () => ({
  registered: {
    registry: platform.registry,
    artifacts: platform.artifacts,
    findWorkers: async (name: string, version: number) =>
      (await liveWorkers(platform.store, { modelName: name, modelVersion: version })).map((w) => w.url),
  },
  defaults: { maxTokens: 8, temperature: 0 },
});

beforeAll(async () => {
  await writeTinyLlama(path.join(home, "a.gguf"), { type: "Q8_0", seed: 11, chatml: true });
  await writeTinyLlama(path.join(home, "b.gguf"), { type: "Q8_0", seed: 12, chatml: true });
  platform = await openPlatform(loadConfig({ env: { LLMOPS_HOME: path.join(home, ".llmops") }, cwd: home }).config);
  await platform.registry.register({ file: path.join(home, "a.gguf"), name: "tiny", alias: "production", actor: "t" });
  await platform.registry.register({ file: path.join(home, "b.gguf"), name: "tiny", actor: "t" });
  v1 = await createProvider("tiny@production", factory());
  v2 = await createProvider("tiny@2", factory());
}, 120_000);

afterAll(async () => {
  await v1?.close();
  await v2?.close();
  await platform?.close();
});

function suite(tests: Suite["tests"], extra: Partial<Suite> = {}): Suite {
  return { prompts: ["Q: {{q}}\nA:"], options: { maxTokens: 8, temperature: 0 }, tests, ...extra };
}

describe("registered-model providers over a real worker", () => {
  it("pins aliases to versions and generates through the worker's OpenAI API", async () => {
    expect(v1.id).toBe("llmops:tiny@1");
    expect(v1.label).toBe("tiny@production → tiny@1");
    const out = await v1.generate("Hello", { maxTokens: 6, temperature: 0, logprobs: true });
    expect(out.completionTokens).toBeGreaterThan(0);
    expect(out.promptTokens).toBeGreaterThan(0);
    expect(out.logprobs?.length).toBe(out.completionTokens);
    for (const lp of out.logprobs ?? []) expect(lp).toBeLessThanOrEqual(0);
    // Greedy decoding is reproducible.
    expect((await v1.generate("Hello", { maxTokens: 6, temperature: 0 })).text).toBe(out.text);
    const chat = await v1.generate([{ role: "user", content: "Hi" }], { maxTokens: 4 });
    expect(typeof chat.text).toBe("string");
  });

  it("uses every live worker of the version when there are some", async () => {
    const version = await platform.registry.resolve("tiny@1");
    const modelPath = await platform.artifacts.localPath(version.artifactHash);
    const workers = await Promise.all(
      [0, 1].map(() => startWorker({ modelPath, modelName: version.ref, threads: 1, drainTimeoutMs: 100 })),
    );
    const leases = await Promise.all(
      workers.map((w) =>
        announceWorker(platform.store, {
          url: w.url,
          modelName: "tiny",
          modelVersion: 1,
          artifactHash: version.artifactHash,
        }),
      ),
    );
    const provider = (await createProvider("tiny@1", factory())) as Provider & { via?: string };
    try {
      expect(provider.via).toBe("worker");
      const expected = (await v1.generate("Q: x\nA:", { maxTokens: 6 })).text;
      for (let i = 0; i < 4; i++) expect((await provider.generate("Q: x\nA:", { maxTokens: 6 })).text).toBe(expected);
      for (const w of workers) {
        const metrics = await (await fetch(`${w.origin}/metrics`)).text();
        expect(metrics).toMatch(/llmops_worker_requests_total\{[^}]*route="completions"[^}]*\} 2/);
      }
    } finally {
      await provider.close();
      await Promise.all(leases.map((l) => l.stop()));
      await Promise.all(workers.map((w) => w.close()));
    }
  }, 60_000);

  it("scores continuations by teacher forcing (echo + logprobs) and embeds texts", async () => {
    const short = await v1.scoreContinuation("The cat sat on the", " mat");
    const long = await v1.scoreContinuation("The cat sat on the", " mat and then it slept all afternoon");
    expect(short.tokens).toBeGreaterThan(0);
    expect(short.logprob).toBeLessThan(0);
    expect(long.tokens).toBeGreaterThan(short.tokens);
    expect(long.logprob).toBeLessThan(short.logprob);
    expect(await v1.scoreContinuation("x", "")).toEqual({ logprob: 0, tokens: 0 });
    const [a, b] = await v1.embed(["床前明月光", "hello"]);
    expect(a?.length).toBeGreaterThan(0);
    expect(Math.hypot(...(a as number[]))).toBeCloseTo(1, 3);
    expect(a).not.toEqual(b);
  });
});

describe("OpenAI-compatible endpoints", () => {
  it("evaluates any endpoint by base URL (here a worker), with a judge that may answer nonsense", async () => {
    const worker = await startWorker({ modelPath: path.join(home, "a.gguf"), modelName: "remote", threads: 1 });
    const spec = { id: "openai:remote", config: { baseUrl: worker.url, textApi: "completions" as const } };
    const remote = await createProvider(spec, factory());
    try {
      expect(remote.id).toBe(`openai:remote@${worker.url}`);
      const direct = await v1.generate("Q: hi\nA:", { maxTokens: 8, temperature: 0 });
      const viaUrl = await remote.generate("Q: hi\nA:", { maxTokens: 8, temperature: 0 });
      expect(viaUrl.text).toBe(direct.text); // same weights, greedy
      const loaded = prepareSuite(
        suite(
          [
            {
              vars: { q: "x" },
              assert: [
                { type: "model-graded", value: "is polite" },
                { type: "length", min: 0 },
              ],
            },
          ],
          {
            judge: spec,
          },
        ),
        { name: "judge", baseDir: home },
      );
      const outcome = await runEval({
        suite: loaded,
        candidate: { ref: "openai:remote", provider: remote },
        evals: new EvalStore(platform.store),
        cache: null,
        actor: "t",
        resume: "never",
        getProvider: (s) => createProvider(s, factory()),
      });
      const graded = outcome.results[0]?.assertions.find((a) => a.type === "model-graded");
      // A tiny random judge cannot grade (its context is too small for the rubric prompt, or it
      // answers nonsense): a failing assertion that says why, not a crash of the run.
      expect(graded?.pass).toBe(false);
      expect(graded?.reason).toMatch(/context is 256 tokens|no verdict/);
      expect(outcome.run.status).toBe("completed");
      const unreachable = await createProvider({ id: "openai:x", config: { baseUrl: "http://127.0.0.1:9/v1" } });
      await expect(unreachable.generate("hi", {})).rejects.toThrow(/unreachable at http:\/\/127\.0\.0\.1:9\/v1/);
      await unreachable.close();
    } finally {
      await remote.close();
      await worker.close();
    }
  }, 60_000);

  it("loads every example suite", async () => {
    const dir = path.join(import.meta.dirname, "..", "examples", "evals");
    for (const file of ["smoke.yaml", "poems.yaml", "openai-endpoint.yaml"]) {
      const loaded = await loadSuite(path.join(dir, file));
      expect(loaded.cases.length).toBeGreaterThan(0);
    }
  });
});

describe("runEval", () => {
  it("stores every call, answers identical calls from the cache, and keeps holdout out of per-test detail", async () => {
    const evals = new EvalStore(platform.store);
    const loaded = prepareSuite(
      suite([
        { description: "non-empty", vars: { q: "one" }, assert: [{ type: "length", min: 1 }] },
        { description: "impossible", vars: { q: "two" }, assert: [{ type: "contains", value: "@@@@" }] },
        {
          description: "secret case",
          vars: { q: "SECRET-PROMPT" },
          holdout: true,
          assert: [{ type: "length", min: 0 }],
        },
      ]),
      { name: "basic", baseDir: home },
    );
    const cache = new EvalCache(platform.store);
    const first = await runEval({
      suite: loaded,
      candidate: { ref: "tiny@1", provider: v1 },
      evals,
      cache,
      actor: "t",
      resume: "never",
      getProvider: (s) => createProvider(s, factory()),
    });
    expect(first.run.status).toBe("completed");
    expect(first.results).toHaveLength(3);
    expect(first.summary.candidate.overall).toMatchObject({ cases: 2, passed: 1, passRate: 0.5 });
    expect(first.summary.candidate.holdout).toMatchObject({ cases: 1, passed: 1 });
    expect(first.summary.gate.pass).toBe(false); // default threshold: every test must pass
    expect(first.summary.gate.reasons[0]).toMatch(/pass rate 50\.0% \(1\/2\) is below the suite's threshold 100\.0%/);
    expect(first.results.every((r) => !r.cached)).toBe(true);

    const again = await runEval({
      suite: loaded,
      candidate: { ref: "tiny@1", provider: v1 },
      evals,
      cache,
      actor: "t",
      resume: "never",
      getProvider: (s) => createProvider(s, factory()),
    });
    expect(again.run.id).not.toBe(first.run.id);
    expect(again.results.every((r) => r.cached)).toBe(true);
    expect(again.results.map((r) => r.output).sort()).toEqual(first.results.map((r) => r.output).sort());

    const report = buildReport(again.run, again.results);
    expect(report.tests).toHaveLength(2);
    expect(report.holdoutCases).toBe(1);
    for (const format of ["table", "json", "md", "html", "junit"]) {
      const text = renderReport(report, format);
      expect(text).not.toContain("SECRET-PROMPT");
      expect(text).not.toContain("secret case");
    }
    // Stored immutably: finishing again changes nothing.
    const stored = await evals.finish(first.run.id, { status: "failed", gatePass: true, summary: {} });
    expect(stored.status).toBe("completed");
    expect(stored.gatePass).toBe(false);
  });

  it("resumes an interrupted run without redoing finished calls", async () => {
    const evals = new EvalStore(platform.store);
    const loaded = prepareSuite(
      suite(
        Array.from({ length: 8 }, (_, i) => ({ vars: { q: `question ${i}` }, assert: [{ type: "length", min: 0 }] })),
      ),
      { name: "resume", baseDir: home },
    );
    let calls = 0;
    const counting: Provider = {
      ...v1,
      id: v1.id,
      label: v1.label,
      generate: (p, o) => {
        calls++;
        return v1.generate(p, o);
      },
      scoreContinuation: v1.scoreContinuation.bind(v1),
      embed: v1.embed.bind(v1),
      close: async () => {},
    };
    const controller = new AbortController();
    let runId = "";
    await expect(
      runEval({
        suite: loaded,
        candidate: { ref: "tiny@1", provider: counting },
        evals,
        cache: null,
        concurrency: 1,
        actor: "t",
        resume: "never",
        signal: controller.signal,
        getProvider: (s) => createProvider(s, factory()),
        onStart: (run) => {
          runId = run.id;
        },
        onProgress: (p) => {
          if (p.done === 3) controller.abort();
        },
      }),
    ).rejects.toThrow(/Interrupted: 3\/8 calls are stored/);
    expect((await evals.get(runId)).status).toBe("running");
    expect((await evals.doneCells(runId)).size).toBe(3);
    calls = 0;
    let resumed = -1;
    const outcome = await runEval({
      suite: loaded,
      candidate: { ref: "tiny@1", provider: counting },
      evals,
      cache: null,
      concurrency: 2,
      actor: "t",
      resume: runId,
      getProvider: (s) => createProvider(s, factory()),
      onStart: (_run, info) => {
        resumed = info.resumedCells;
      },
    });
    expect(resumed).toBe(3);
    expect(calls).toBe(5);
    expect(outcome.run.id).toBe(runId);
    expect(outcome.results).toHaveLength(8);
    expect(outcome.run.status).toBe("completed");
    await expect(
      runEval({
        suite: loaded,
        candidate: { ref: "tiny@1", provider: counting },
        evals,
        cache: null,
        actor: "t",
        resume: runId,
        getProvider: (s) => createProvider(s, factory()),
      }),
    ).rejects.toThrow(/already completed/);
  });

  it("compares a candidate with a baseline: regressions, paired bootstrap interval, gate with tolerance", async () => {
    const evals = new EvalStore(platform.store);
    // Tests the baseline (v1) passes by construction: its own greedy answers.
    const tests: Suite["tests"] = [];
    for (const q of ["alpha", "beta", "gamma", "delta"]) {
      const answer = (await v1.generate(`Q: ${q}\nA:`, { maxTokens: 8, temperature: 0 })).text;
      tests.push({ description: q, vars: { q }, assert: [{ type: "equals", value: answer }], repeat: 2 });
    }
    const loaded = prepareSuite(suite(tests, { thresholds: { passRate: 0, regressionTolerance: 0.1 } }), {
      name: "compare",
      baseDir: home,
    });
    const run = () =>
      runEval({
        suite: loaded,
        candidate: { ref: "tiny@2", provider: v2 },
        baseline: { ref: "tiny@production", provider: v1 },
        evals,
        cache: new EvalCache(platform.store),
        concurrency: 3,
        gate: true,
        actor: "t",
        resume: "never",
        getProvider: (s) => createProvider(s, factory()),
      });
    const outcome = await run();
    expect(outcome.results).toHaveLength(16); // 4 tests × 2 repeats × 2 models
    expect(outcome.summary.baseline?.overall.passRate).toBe(1);
    const c = outcome.summary.comparison;
    expect(c).not.toBeNull();
    expect(c?.delta).toBeLessThan(0);
    expect(c?.regressions).toBeGreaterThan(0);
    expect(outcome.summary.gate.pass).toBe(false);
    expect(outcome.summary.gate.reasons.join(" ")).toMatch(
      /regressed .* from the baseline's 100\.0% \(tolerance 10\.0%\)/,
    );
    expect(outcome.run.gated).toBe(true);
    expect(outcome.run.gatePass).toBe(false);
    // Seeded bootstrap: the same results give the same intervals.
    const again = await run();
    expect(again.summary.comparison?.ci).toEqual(c?.ci);
    expect(again.summary.candidate.overall.ci).toEqual(outcome.summary.candidate.overall.ci);
    const report = buildReport(outcome.run, outcome.results);
    expect(report.tests.some((t) => t.change === "regression")).toBe(true);
  });

  it("folds repeats with a per-test pass threshold (flaky tests)", async () => {
    const evals = new EvalStore(platform.store);
    // Sampling at a high temperature: every repeat differs; a check that passes about half the time.
    const loaded = prepareSuite(
      suite(
        [
          {
            description: "flaky",
            vars: { q: "coin" },
            repeat: 6,
            passThreshold: 0,
            options: { temperature: 1.5, seed: 7, maxTokens: 4 },
            assert: [{ type: "javascript", value: "output.length % 2 === 0" }],
          },
          {
            description: "strict",
            vars: { q: "coin" },
            repeat: 6,
            options: { temperature: 1.5, seed: 7, maxTokens: 4 },
            assert: [{ type: "javascript", value: "output.length % 2 === 0" }],
          },
        ],
        { thresholds: { passRate: 0.5 } },
      ),
      { name: "flaky", baseDir: home },
    );
    const outcome = await runEval({
      suite: loaded,
      candidate: { ref: "tiny@1", provider: v1 },
      evals,
      cache: new EvalCache(platform.store),
      actor: "t",
      resume: "never",
      getProvider: (s) => createProvider(s, factory()),
    });
    const outputs = new Set(outcome.results.filter((r) => r.description === "flaky").map((r) => r.output));
    expect(outputs.size).toBeGreaterThan(1); // repeats are independent samples, not cache copies
    const flaky = outcome.results.filter((r) => r.description === "flaky");
    const strict = outcome.results.filter((r) => r.description === "strict");
    expect(flaky.map((r) => r.pass)).toEqual(strict.map((r) => r.pass)); // same seeds, same samples
    const passes = strict.filter((r) => r.pass).length;
    const report = buildReport(outcome.run, outcome.results);
    expect(report.tests.find((t) => t.description === "flaky")?.candidate.pass).toBe(true);
    expect(report.tests.find((t) => t.description === "strict")?.candidate.pass).toBe(passes === 6);
  });
});

describe.each(databaseFactories())("EvalStore on %s", (_name, fresh) => {
  it("creates, fills, finishes once and finds passing gated runs", async () => {
    const db = await fresh();
    const store = await openMetadataStore(db.url);
    try {
      const evals = new EvalStore(store);
      const base = {
        suiteName: "s",
        suiteHash: "h",
        suite: suite([{ vars: { q: "x" } }]),
        candidate: "m@1",
        candidateId: "llmops:m@1",
        baseline: null,
        baselineId: null,
        modelName: "m",
        modelVersion: 1,
        options: { repeat: null, concurrency: 1, cache: true, baseUrl: null },
        fingerprint: "f",
        totalCells: 1,
        actor: "t",
      };
      const run = await evals.create({ ...base, gated: true });
      const result = {
        caseId: "c",
        testIndex: 0,
        promptId: "p",
        role: "candidate" as const,
        providerId: "llmops:m@1",
        repeat: 0,
        description: null,
        category: null,
        holdout: false,
        passThreshold: 1,
        vars: {},
        metadata: {},
        output: "o",
        pass: true,
        score: 1,
        reason: "ok",
        latencyMs: 1,
        promptTokens: 1,
        completionTokens: 1,
        cached: false,
        error: null,
        assertions: [],
      };
      await evals.addResults(run.id, [{ cell: "candidate:c:0", result }]);
      await evals.addResults(run.id, [{ cell: "candidate:c:0", result: { ...result, pass: false } }]); // first write wins
      expect((await evals.results(run.id))[0]?.pass).toBe(true);
      expect(await evals.latestPassingGate("m", 1)).toBeNull();
      await evals.finish(run.id, { status: "completed", gatePass: true, summary: { ok: 1 } });
      expect((await evals.latestPassingGate("m", 1))?.id).toBe(run.id);
      expect(await evals.latestPassingGate("m", 2)).toBeNull();
      const ungated = await evals.create({ ...base, gated: false, modelVersion: 2 });
      await evals.finish(ungated.id, { status: "completed", gatePass: true, summary: {} });
      expect(await evals.latestPassingGate("m", 2)).toBeNull();
      expect((await evals.list({ model: "m@2" })).map((r) => r.id)).toEqual([ungated.id]);
    } finally {
      await store.close();
      await db.drop();
    }
  });
});
