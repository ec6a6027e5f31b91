// One explanation, end to end: pick the target (the model's greedy continuation unless given), cut
// the prompt into features, run the method within the budget, measure faithfulness (deletion and
// insertion curves with AOPC, against random rankings), and describe the result in plain words.
import { invalidRequest, LlmopsError } from "../errors.js";
import { getAttributor } from "./attributors/index.js";
import { CachedEvaluator } from "./evaluator.js";
import { curveCalls, DEFAULT_CURVE_STEPS, type Faithfulness, faithfulness } from "./faithfulness.js";
import { emptyMask, fullMask, segment } from "./features.js";
import { summarize } from "./summary.js";
import type {
  AttentionMaps,
  CheckResult,
  CoalitionValues,
  Feature,
  GradientModel,
  Grouping,
  LogProbScorer,
  Mask,
} from "./types.js";

export const MAX_PROMPT_CHARS = 20_000;
export const DEFAULT_MAX_TOKENS = 16;
export const DEFAULT_RANDOM_ORDERS = 2;

export interface ExplainOptions {
  scorer: LogProbScorer;
  /** Name of the model for the report. */
  model: string;
  prompt: string;
  /** Continuation to explain; default: the model's greedy continuation (maxTokens tokens). */
  target?: string;
  method: string;
  group?: Grouping;
  /** Samples (LIME, KernelSHAP) or most integration steps (integrated gradients). */
  samples?: number;
  seed?: number;
  /** Most model evaluations for the whole explanation (method + faithfulness); cache hits are free. */
  budget?: number;
  maxTokens?: number;
  /** Prompts per scorer call (default 16). */
  batchSize?: number;
  /** Points on each faithfulness curve (default 20). */
  curveSteps?: number;
  /** Random rankings the faithfulness numbers are compared with (default 2; skipped when the budget is short). */
  randomOrders?: number;
  /** For gradient methods: builds the model's gradient access for this prompt and target. */
  gradients?: (prompt: string, target: string, features: readonly Feature[]) => Promise<GradientModel>;
  onProgress?: (progress: { phase: "target" | "method" | "faithfulness"; calls: number; planned: number }) => void;
  signal?: AbortSignal;
}

export interface ExplainedFeature extends Feature {
  /** Attribution in nats of log p(target) (attention: a share of attention). */
  score: number;
}

/** The JSON an explanation is (documented in docs/explainability.md). */
export interface Explanation {
  object: "explanation";
  schemaVersion: 1;
  model: string;
  method: string;
  methodKind: "black-box" | "gradient";
  methodDescription: string;
  /** "nats": scores are changes of log p(target); "attention": shares of attention. */
  unit: "nats" | "attention";
  group: Grouping;
  prompt: string;
  target: string;
  targetSource: "given" | "greedy";
  features: ExplainedFeature[];
  /** log p(target | whole prompt) and log p(target | empty prompt), nats. */
  logprob: { full: number; empty: number };
  faithfulness: Faithfulness;
  checks: Record<string, CheckResult>;
  attention?: AttentionMaps;
  /** True when the budget cut the method's samples (see notes). */
  truncated: boolean;
  notes: string[];
  summary: string;
  seed: number;
  samples: number | null;
  cost: { calls: number; cacheHits: number; seconds: number; budget: number | null; samplesUsed: number };
  createdAt: string;
}

/** A view of the evaluator that keeps `reserved` evaluations back for the faithfulness curves. */
function reserving(inner: CachedEvaluator, reserved: number): CoalitionValues {
  return {
    features: inner.features,
    values: (masks: readonly Mask[]) => inner.values(masks),
    remaining: () => inner.remaining() - reserved,
  };
}

export async function explain(o: ExplainOptions): Promise<Explanation> {
  const started = performance.now();
  if (typeof o.prompt !== "string" || o.prompt.length === 0)
    throw invalidRequest("prompt: must not be empty; send the text to explain.", "prompt");
  if (o.prompt.length > MAX_PROMPT_CHARS)
    throw invalidRequest(
      `prompt: is ${o.prompt.length} characters; at most ${MAX_PROMPT_CHARS} can be explained.`,
      "prompt",
    );
  if (o.budget !== undefined && (!Number.isInteger(o.budget) || o.budget < 1))
    throw invalidRequest("budget: must be a positive whole number of model evaluations.", "budget");
  if (o.samples !== undefined && (!Number.isInteger(o.samples) || o.samples < 1 || o.samples > 100_000))
    throw invalidRequest("samples: must be a whole number from 1 to 100000.", "samples");
  const attributor = getAttributor(o.method);
  const group = o.group ?? "word";
  const seed = o.seed ?? 0;
  const notes: string[] = [];

  let target = o.target;
  let targetSource: "given" | "greedy" = "given";
  if (target === undefined) {
    if (!o.scorer.greedy)
      throw invalidRequest("target: this endpoint cannot generate; pass the continuation to explain.", "target");
    o.onProgress?.({ phase: "target", calls: 0, planned: 1 });
    target = await o.scorer.greedy(o.prompt, o.maxTokens ?? DEFAULT_MAX_TOKENS, o.signal);
    // A partial character at the end (the model stopped mid-character) would not tokenize back.
    target = target.replace(/\uFFFD+$/u, "");
    if (target.trim() === "")
      throw invalidRequest(
        "target: the model's greedy continuation is empty (it ended at once); pass the continuation to explain.",
        "target",
      );
    targetSource = "greedy";
  }
  if (target.length === 0) throw invalidRequest("target: must not be empty.", "target");

  const spans = group === "token" ? await o.scorer.tokenSpans?.(o.prompt) : undefined;
  const features = segment(o.prompt, group, spans);
  const n = features.length;
  const curveSteps = o.curveSteps ?? DEFAULT_CURVE_STEPS;
  let phase: "method" | "faithfulness" = "method";
  const planned = attributor.plannedCalls(n, { seed, ...(o.samples !== undefined ? { samples: o.samples } : {}) });
  const reserve = curveCalls(n, curveSteps);
  const plannedTotal = Math.min(
    o.budget ?? Number.POSITIVE_INFINITY,
    planned + reserve * (1 + (o.randomOrders ?? DEFAULT_RANDOM_ORDERS)),
  );
  const evaluator = new CachedEvaluator(o.scorer, features, target, {
    ...(o.budget !== undefined ? { budget: o.budget } : {}),
    ...(o.batchSize !== undefined ? { batchSize: o.batchSize } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    onProgress: (calls) => o.onProgress?.({ phase, calls, planned: plannedTotal }),
  });
  const needed = attributor.minimumCalls(n) + reserve;
  if (o.budget !== undefined && o.budget < needed)
    throw new LlmopsError(
      "invalid_request",
      `The budget of ${o.budget} evaluations is too small: ${attributor.name} on ${n} ${group}s needs at least ${attributor.minimumCalls(n)}, and the faithfulness curves ${reserve}; raise --budget to ${needed} or group coarser.`,
      { param: "budget" },
    );

  const gradients =
    attributor.kind === "gradient" && o.gradients ? await o.gradients(o.prompt, target, features) : undefined;
  const out = await attributor.attribute(
    { coalitions: reserving(evaluator, reserve), ...(gradients ? { gradients } : {}) },
    { seed, ...(o.samples !== undefined ? { samples: o.samples } : {}), ...(o.signal ? { signal: o.signal } : {}) },
  );
  notes.push(...(out.notes ?? []));
  phase = "faithfulness";
  const [full, empty] = await evaluator.values([fullMask(n), emptyMask(n)]);
  const faith: Faithfulness = await faithfulness(evaluator, out.scores, {
    steps: curveSteps,
    randomOrders: o.randomOrders ?? DEFAULT_RANDOM_ORDERS,
    seed,
  });
  if (!faith.random && (o.randomOrders ?? DEFAULT_RANDOM_ORDERS) > 0)
    notes.push("The budget left no room for the random-ranking comparison of the faithfulness curves.");

  const attention =
    out.attention && gradients ? { ...out.attention, tokens: await gradients.tokenTexts() } : out.attention;
  const unit = attributor.name === "attention" ? "attention" : "nats";
  const explained: ExplainedFeature[] = features.map((f, i) => ({ ...f, score: out.scores[i] ?? 0 }));
  const explanation: Explanation = {
    object: "explanation",
    schemaVersion: 1,
    model: o.model,
    method: attributor.name,
    methodKind: attributor.kind,
    methodDescription: attributor.description,
    unit,
    group,
    prompt: o.prompt,
    target,
    targetSource,
    features: explained,
    logprob: { full: full as number, empty: empty as number },
    faithfulness: faith,
    checks: out.checks ?? {},
    ...(attention ? { attention } : {}),
    truncated: out.truncated ?? false,
    notes,
    summary: "",
    seed,
    samples: o.samples ?? null,
    cost: {
      calls: evaluator.calls,
      cacheHits: evaluator.cacheHits,
      seconds: (performance.now() - started) / 1000,
      budget: o.budget ?? null,
      samplesUsed: out.samplesUsed ?? 0,
    },
    createdAt: new Date().toISOString(),
  };
  explanation.summary = summarize(explanation);
  return explanation;
}
