// Running a suite: expand cases into calls (case × repeat × candidate/baseline), skip the calls an
// interrupted attempt already finished, run the rest with bounded concurrency (answers from the
// cache when identical), grade each answer with its assertions, store results in batches as they
// finish, then summarise, run a built-in suite's analysis, decide the gate and finish the run.
//
// Interruptions: an abort (Ctrl-C) flushes what finished and leaves the run `running`; so does a
// kill -9 (minus the last unflushed batch, at most a fraction of a second of work). The next
// `llmops eval` of the same suite and models resumes it automatically (its process is gone), or
// `--resume RUN` names it.
import { createHash } from "node:crypto";
import { LlmopsError } from "../errors.js";
import type { EvalCache } from "./cache.js";
import type { EvalRun, EvalRunOptions, EvalStore, StoredResult } from "./store.js";
import type { EvalCase, LoadedSuite } from "./suite.js";
import { compareRoles, decideGate, type EvalSummary, summariseRole } from "./summary.js";
import type {
  AnalysisReport,
  AssertionResult,
  CallOptions,
  Provider,
  ProviderResponse,
  ProviderSpec,
  TestResult,
} from "./types.js";

export interface RunEvalOptions {
  suite: LoadedSuite;
  candidate: { ref: string; provider: Provider };
  baseline?: { ref: string; provider: Provider } | null | undefined;
  evals: EvalStore;
  /** null: no cache (every call goes to the model). */
  cache: EvalCache | null;
  concurrency?: number | undefined;
  /** Repeats of every test without its own `repeat` (overrides the suite's). */
  repeat?: number | undefined;
  gate?: boolean | undefined;
  actor: string;
  /** A run id to resume, "auto" (resume an interrupted run of the same suite and models), or "never". */
  resume?: string | undefined;
  /** Judges and embedders named in the suite. */
  getProvider: (spec: ProviderSpec) => Promise<Provider>;
  onStart?: ((run: EvalRun, info: { resumedCells: number; totalCells: number }) => void) | undefined;
  onProgress?: ((progress: { done: number; total: number; failed: number }) => void) | undefined;
  signal?: AbortSignal | undefined;
  /** `--set key=value` settings for built-in suites' analyses. */
  settings?: Record<string, string> | undefined;
  /** Recorded with the run (how it was reached). */
  baseUrl?: string | null | undefined;
}

export interface EvalOutcome {
  run: EvalRun;
  summary: EvalSummary;
  results: TestResult[];
  resumedCells: number;
}

interface Cell {
  key: string;
  role: "candidate" | "baseline";
  testCase: EvalCase;
  repeat: number;
}

const FLUSH_EVERY = 25;
const FLUSH_MS = 250;

function repeatsOf(c: EvalCase, suite: LoadedSuite, repeat: number | undefined): number {
  return c.repeat ?? repeat ?? suite.suite.repeat ?? 1;
}

export function cellsOf(
  suite: LoadedSuite,
  roles: Array<"candidate" | "baseline">,
  repeat: number | undefined,
): Cell[] {
  const cells: Cell[] = [];
  for (const role of roles) {
    for (const testCase of suite.cases) {
      const k = repeatsOf(testCase, suite, repeat);
      for (let r = 0; r < k; r++) cells.push({ key: `${role}:${testCase.caseId}:${r}`, role, testCase, repeat: r });
    }
  }
  return cells;
}

/** Parses `llmops:NAME@VERSION` (a resolved registered model) for promotion checks. */
export function registeredModelOf(providerId: string): { name: string; version: number } | null {
  const m = /^llmops:(.+)@(\d+)$/.exec(providerId);
  return m ? { name: m[1] as string, version: Number(m[2]) } : null;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function runEval(o: RunEvalOptions): Promise<EvalOutcome> {
  const started = performance.now();
  const roles: Array<"candidate" | "baseline"> = o.baseline ? ["candidate", "baseline"] : ["candidate"];
  const cells = cellsOf(o.suite, roles, o.repeat);
  const providers = { candidate: o.candidate.provider, baseline: o.baseline?.provider };
  const fingerprint = createHash("sha256")
    .update(
      JSON.stringify([
        o.suite.hash,
        o.candidate.provider.id,
        o.baseline?.provider.id ?? null,
        o.repeat ?? null,
        !!o.gate,
      ]),
    )
    .digest("hex");

  let run: EvalRun | null = null;
  if (o.resume && o.resume !== "auto" && o.resume !== "never") {
    run = await o.evals.get(o.resume);
    if (run.status !== "running") {
      throw new LlmopsError(
        "conflict",
        `Eval run ${run.id} already ${run.status}; see \`llmops evals show ${run.id}\`.`,
      );
    }
    await o.evals.claim(run.id);
  } else if (o.resume !== "never") {
    run = await o.evals.findInterrupted(fingerprint);
    if (run) await o.evals.claim(run.id);
  }
  if (!run) {
    const model = registeredModelOf(o.candidate.provider.id);
    const options: EvalRunOptions & { baseDir: string; settings: Record<string, string> } = {
      repeat: o.repeat ?? null,
      concurrency: o.concurrency ?? 4,
      cache: o.cache !== null,
      baseUrl: o.baseUrl ?? null,
      baseDir: o.suite.baseDir,
      settings: o.settings ?? {},
    };
    run = await o.evals.create({
      suiteName: o.suite.name,
      suiteHash: o.suite.hash,
      suite: o.suite.suite,
      candidate: o.candidate.ref,
      candidateId: o.candidate.provider.id,
      baseline: o.baseline?.ref ?? null,
      baselineId: o.baseline?.provider.id ?? null,
      modelName: model?.name ?? null,
      modelVersion: model?.version ?? null,
      options,
      fingerprint,
      gated: !!o.gate,
      totalCells: cells.length,
      actor: o.actor,
    });
  }
  const runId = run.id;
  try {
    return await execute(o, run, cells, providers, started);
  } catch (error) {
    // Interrupted runs stay `running` to be resumed; anything else ends the run as failed.
    if (!o.signal?.aborted) {
      await o.evals
        .finish(runId, { status: "failed", gatePass: false, summary: { error: errorMessage(error) } })
        .catch(() => undefined);
    }
    throw error;
  }
}

async function execute(
  o: RunEvalOptions,
  run: EvalRun,
  cells: Cell[],
  providers: { candidate: Provider; baseline: Provider | undefined },
  started: number,
): Promise<EvalOutcome> {
  const runId = run.id;
  const done = await o.evals.doneCells(runId);
  const todo = cells.filter((c) => !done.has(c.key));
  o.onStart?.(run, { resumedCells: cells.length - todo.length, totalCells: cells.length });

  // Judges and embedders see the same cache as the models under test.
  const wrapped = new Map<Provider, Provider>();
  const cachedView = (p: Provider) => {
    if (!o.cache) return p;
    let w = wrapped.get(p);
    if (!w) {
      w = o.cache.wrap(p);
      wrapped.set(p, w);
    }
    return w;
  };
  const getProvider = async (spec: ProviderSpec) => cachedView(await o.getProvider(spec));

  let pending: StoredResult[] = [];
  let flushing: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    if (batch.length) flushing = flushing.then(() => o.evals.addResults(runId, batch));
    return flushing;
  };

  let finished = cells.length - todo.length;
  let failed = 0;
  let next = 0;
  const limit = Math.max(1, Math.min(o.concurrency ?? 4, 256));
  const workerLoop = async () => {
    while (next < todo.length) {
      if (o.signal?.aborted) return;
      const cell = todo[next++] as Cell;
      const provider = providers[cell.role] as Provider;
      const result = await executeCell(cell, provider, cachedView(provider), getProvider, o);
      if (o.signal?.aborted && result.error !== null) return; // aborted mid-call: not a real result
      pending.push({ cell: cell.key, result });
      if (pending.length >= FLUSH_EVERY) void flush();
      else timer ??= setTimeout(() => void flush(), FLUSH_MS);
      finished++;
      if (!result.pass) failed++;
      o.onProgress?.({ done: finished, total: cells.length, failed });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(limit, Math.max(1, todo.length)) }, workerLoop));
  } finally {
    await flush();
  }
  if (o.signal?.aborted) {
    throw new LlmopsError(
      "unavailable",
      `Interrupted: ${finished}/${cells.length} calls are stored in eval run ${runId}; run the same command again (or add --resume ${runId}) to finish it.`,
    );
  }

  const results = await o.evals.results(runId);
  const seed = o.suite.suite.seed ?? 1;
  const candidate = summariseRole(results, "candidate", seed);
  if (!candidate) throw new LlmopsError("internal", `Eval run ${runId} has no candidate results.`);
  const baseline = summariseRole(results, "baseline", seed);
  const analyses: AnalysisReport[] = [];
  if (o.suite.builtin?.analyse) {
    try {
      analyses.push(
        await o.suite.builtin.analyse(
          results.filter((r) => r.role === "candidate"),
          {
            provider: cachedView(o.candidate.provider),
            role: "candidate",
            seed,
            settings: o.settings ?? {},
            ...(o.signal ? { signal: o.signal } : {}),
          },
        ),
      );
    } catch (error) {
      analyses.push({
        title: `${o.suite.name} analysis`,
        pass: false,
        summary: `the analysis failed: ${errorMessage(error)}`,
        sections: [],
        metrics: {},
      });
    }
  }
  const gate = decideGate(candidate, baseline, o.suite.suite.thresholds, analyses);
  const summary: EvalSummary = {
    candidate,
    baseline,
    comparison: compareRoles(results, seed),
    gate,
    analyses,
    cache: { hits: o.cache?.hits ?? 0, misses: o.cache?.misses ?? 0 },
    durationMs: Math.round(performance.now() - started),
  };
  const finishedRun = await o.evals.finish(runId, { status: "completed", gatePass: gate.pass, summary });
  return { run: finishedRun, summary, results, resumedCells: cells.length - todo.length };
}

async function executeCell(
  cell: Cell,
  rawProvider: Provider,
  provider: Provider,
  getProvider: (spec: ProviderSpec) => Promise<Provider>,
  o: RunEvalOptions,
): Promise<TestResult> {
  const c = cell.testCase;
  const options: CallOptions = { ...c.options };
  if (c.needsLogprobs) options.logprobs = true;
  const sampling = (options.temperature ?? 0) > 0;
  // Repeats of a sampled call must be independent samples; a fixed seed would make them identical.
  if (sampling && options.seed !== undefined) options.seed += cell.repeat;
  if (o.signal) options.signal = o.signal;
  const base = {
    caseId: c.caseId,
    testIndex: c.testIndex,
    promptId: c.promptId,
    role: cell.role,
    providerId: rawProvider.id,
    repeat: cell.repeat,
    description: c.description,
    category: c.category,
    holdout: c.holdout,
    passThreshold: c.passThreshold,
    vars: c.vars,
    metadata: c.metadata,
  };
  let response: ProviderResponse;
  try {
    response = o.cache
      ? await o.cache.generate(rawProvider, c.prompt, options, sampling ? cell.repeat : 0)
      : await rawProvider.generate(c.prompt, options);
  } catch (error) {
    const message = errorMessage(error);
    return {
      ...base,
      output: "",
      pass: false,
      score: 0,
      reason: `the call failed: ${message}`,
      latencyMs: 0,
      promptTokens: 0,
      completionTokens: 0,
      cached: false,
      error: message,
      assertions: [],
    };
  }
  const assertions: AssertionResult[] = [];
  for (const a of c.assertions) {
    const graded = await a.grade({
      output: response.text,
      response,
      prompt: c.prompt,
      vars: c.vars,
      provider,
      getProvider,
      ...(o.suite.suite.judge ? { judge: o.suite.suite.judge } : {}),
      ...(o.suite.suite.embedder ? { embedder: o.suite.suite.embedder } : {}),
      baseDir: o.suite.baseDir,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    assertions.push({ ...graded, type: a.type, metric: a.metric, weight: a.weight });
  }
  const weighted = assertions.filter((a) => a.weight > 0);
  const totalWeight = weighted.reduce((s, a) => s + a.weight, 0);
  const score = totalWeight > 0 ? weighted.reduce((s, a) => s + a.weight * a.score, 0) / totalWeight : 1;
  const failing = weighted.filter((a) => !a.pass);
  return {
    ...base,
    output: response.text,
    pass: failing.length === 0,
    score,
    reason:
      assertions.length === 0
        ? "no assertions"
        : failing.length === 0
          ? `all ${weighted.length} assertions passed`
          : failing.map((a) => `${a.type}: ${a.reason}`).join("; "),
    latencyMs: response.latencyMs,
    promptTokens: response.promptTokens,
    completionTokens: response.completionTokens,
    cached: response.cached === true,
    error: null,
    assertions,
  };
}
