// Contracts of the explainability module.
//
// An explanation answers: which parts of the prompt made the model give the target continuation?
// The prompt is cut into features (tokens, words or sentences; features.ts); a coalition is the set
// of features kept, and its value is the log-probability of the target given the prompt made of the
// kept features only (removed features are deleted from the text). Model-agnostic attributors
// (occlusion, LIME, KernelSHAP, exact Shapley) see nothing but those values, so they work with any
// model that reports log-probabilities; gradient attributors (integrated gradients, gradient ×
// input, attention) also need the model's weights and run our own forward pass (gradients/).

/** Sum log-probability of a target continuation for several prompts: all a black-box method needs. */
export interface LogProbScorer {
  /** What is scored, for reports: "llmops-tiny@1", "http://host/v1 (model x)". */
  readonly id: string;
  /**
   * Entry i is log p(target | prompts[i]) in nats, summed over the target's tokens. The target is
   * tokenized on its own, so every prompt is scored on the same target tokens.
   */
  scoreBatch(prompts: string[], target: string, signal?: AbortSignal): Promise<number[]>;
  /** One span per token of `text` (UTF-16 offsets; bytes of one character share its span); optional. */
  tokenSpans?(text: string): Promise<TokenSpan[]>;
  /** The model's greedy continuation (temperature 0) of `prompt`, at most maxTokens tokens; optional. */
  greedy?(prompt: string, maxTokens: number, signal?: AbortSignal): Promise<string>;
  close?(): Promise<void>;
}

export interface TokenSpan {
  start: number;
  end: number;
  /** Token id, when the scorer knows it. */
  id?: number;
}

export const GROUPINGS = ["token", "word", "sentence"] as const;
export type Grouping = (typeof GROUPINGS)[number];

/** A part of the prompt that is kept or removed as a whole. Features tile the prompt in order. */
export interface Feature {
  index: number;
  text: string;
  /** UTF-16 offsets into the prompt. */
  start: number;
  end: number;
}

/** 1 = the feature is kept, 0 = removed. */
export type Mask = Uint8Array;

/** Values of coalitions: cached, batched, counted against the budget (evaluator.ts). */
export interface CoalitionValues {
  readonly features: readonly Feature[];
  /** log p(target | prompt with only the mask's features). */
  values(masks: readonly Mask[]): Promise<number[]>;
  /** Model evaluations still allowed (cache hits are free); Infinity without a budget. */
  remaining(): number;
}

/** What gradient attributors need beyond coalition values: the model's own forward pass. */
export interface GradientModel {
  /**
   * Token ids of the prompt (with BOS when the model wants it) and of the target, as scored, and which
   * feature each prompt token belongs to (-1 for BOS).
   */
  readonly promptIds: readonly number[];
  readonly targetIds: readonly number[];
  readonly tokenFeature: readonly number[];
  /** log p(target | prompt) with embeddings scaled by alpha for prompt tokens (baseline at alpha 0). */
  logprob(alphas: readonly number[]): Promise<number[]>;
  /** Gradient of log p(target) w.r.t. each prompt token's embedding at several alphas, dotted with (x − baseline). */
  gradDotInput(alphas: readonly number[]): Promise<{ values: number[]; perToken: number[][] }>;
  /** Softmax attention [layer][head][query][key] over prompt + target positions. */
  attention(): Promise<number[][][][]>;
  /** Text of each token (prompt with BOS, then target), for labelling attention maps. */
  tokenTexts(): Promise<string[]>;
}

export interface AttributeOptions {
  seed: number;
  /** Samples for sampling methods (LIME, KernelSHAP); steps for integrated gradients. */
  samples?: number;
  signal?: AbortSignal;
}

export interface AttributionOutput {
  /** One score per feature, in nats of target log-probability (positive: raised its chance). */
  scores: number[];
  /** Evaluations the method asked for (after truncation to the budget). */
  samplesUsed?: number;
  /** Set when the budget cut the method short. */
  truncated?: boolean;
  notes?: string[];
  /** Method-specific checks (completeness, efficiency) reported with the explanation. */
  checks?: Record<string, CheckResult>;
  /** Attention maps (the attention method). */
  attention?: AttentionMaps;
}

export interface CheckResult {
  ok: boolean;
  /** What was compared, e.g. "sum of attributions = f(x) − f(baseline)". */
  description: string;
  actual: number;
  expected: number;
  /** |actual − expected| / max(|expected|, 1e-9). */
  relativeError: number;
  tolerance: number;
}

export interface AttentionMaps {
  layers: number;
  heads: number;
  /** Text of every position (prompt tokens then target tokens). */
  tokens: string[];
  /** Position of the first target token; queries from promptLength − 1 on predict the target. */
  promptLength: number;
  /** [layer][head][query][key], queries: every position that predicts a target token. */
  maps: number[][][][];
}

export interface AttributorContext {
  coalitions: CoalitionValues;
  /** Present for built-in models; gradient methods refuse to run without it. */
  gradients?: GradientModel;
}

/** One attribution method; one file each under ./attributors, listed in ./attributors/index.ts. */
export interface Attributor {
  readonly name: string;
  readonly kind: "black-box" | "gradient";
  readonly description: string;
  /** Model evaluations it will ask for with n features (before the budget), for progress and planning. */
  plannedCalls(n: number, options: AttributeOptions): number;
  /** The fewest evaluations that give a meaningful answer; less budget than this is an error. */
  minimumCalls(n: number): number;
  attribute(context: AttributorContext, options: AttributeOptions): Promise<AttributionOutput>;
}
