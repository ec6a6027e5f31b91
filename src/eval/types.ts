// The evaluation contracts: what a suite file says (zod schema), what a provider (a model under
// test, a judge, an embedder) must do, what an assertion returns, what a run records, and the hook
// through which built-in suites (bias audit, red team: src/eval/builtin, owned separately) plug in.
//
// Programmatic runs (benchmarks, CI scripts): `runEval` in ./run.ts takes a loaded suite and
// providers and returns stored results; `loadSuite` in ./suite.ts reads YAML (or `builtin:NAME`).
//
// Everything else in src/eval builds on these types; keep them small and stable. Adding an assertion
// means one file in ./assertions/<type>.ts exporting an `Assertion` and one line in
// ./assertions/index.ts. Adding a provider kind means one file in ./providers/<kind>.ts and one line
// in ./providers/index.ts.
import { z } from "zod";

// ---- suite files (YAML) ----------------------------------------------------------------------------

/** A chat message in a prompt; `content` is a template ({{var}}). */
export const chatMessageSchema = z.object({
  role: z.enum(["system", "developer", "user", "assistant"]),
  content: z.string(),
});
export type EvalChatMessage = z.infer<typeof chatMessageSchema>;

/**
 * A prompt: a text template ("Translate: {{text}}") sent to /v1/completions, or a list of chat
 * messages (templated the same way) sent to /v1/chat/completions. `id` names it in reports; the
 * default is `prompt-1`, `prompt-2`, … in file order.
 */
export const promptSchema = z.union([
  z.string().min(1, "a prompt must not be empty"),
  z.strictObject({
    id: z.string().min(1).max(64).optional(),
    text: z.string().min(1, "a prompt must not be empty"),
  }),
  z.strictObject({
    id: z.string().min(1).max(64).optional(),
    messages: z.array(chatMessageSchema).min(1, "a chat prompt needs at least one message"),
  }),
]);
export type PromptSpec = z.infer<typeof promptSchema>;

/** Generation options (OpenAI semantics). Defaults: temperature 0 (reproducible), maxTokens 64. */
export const generationOptionsSchema = z.strictObject({
  temperature: z.number().min(0).max(2).optional(),
  maxTokens: z.number().int().min(1).max(32_768).optional(),
  topP: z.number().gt(0).max(1).optional(),
  seed: z.number().int().min(0).optional(),
  stop: z.array(z.string().min(1)).max(4).optional(),
});
export type GenerationOptions = z.infer<typeof generationOptionsSchema>;

/**
 * A provider reference in a suite or on the command line:
 * - `NAME@VERSION` / `NAME@ALIAS` / `llmops:NAME@…`: a registered model served by our workers
 *   (a live worker of that version, a gateway with --base-url, or a worker started for the run);
 * - `openai:MODEL` with `config.baseUrl` and `config.apiKeyEnv`: any OpenAI-compatible endpoint
 *   (vLLM, llama.cpp server, Ollama, a cloud API).
 */
export const providerSpecSchema = z.union([
  z.string().min(1),
  z.strictObject({
    id: z.string().min(1),
    /** Name shown in reports (default: the id). */
    label: z.string().min(1).max(128).optional(),
    config: z
      .strictObject({
        baseUrl: z.string().url().optional(),
        /** Name of the environment variable that holds the API key (never the key itself). */
        apiKeyEnv: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "an environment variable name")
          .optional(),
        /** Longest wait for one call (default 120 s). */
        timeoutMs: z.number().int().min(100).max(600_000).optional(),
        /**
         * Where text prompts go: "completions" (/v1/completions; default for our workers) or "chat"
         * (sent as one user message; default for `openai:` endpoints, most of which are chat-only).
         */
        textApi: z.enum(["completions", "chat"]).optional(),
        /** The model name sent in requests (default: what follows `openai:`). */
        model: z.string().min(1).optional(),
      })
      .optional(),
    options: generationOptionsSchema.optional(),
  }),
]);
export type ProviderSpec = z.infer<typeof providerSpecSchema>;

/**
 * One assertion in a test. `type` picks the implementation from the registry; a `not-` prefix
 * negates any type (`not-contains`, `not-regex`). `value` is type-specific (a string, a list, a
 * schema, a rubric); strings in it are templated with the test's vars. `threshold` is the score a
 * scored assertion needs (similarity, rubric score, …). `weight` weighs the assertion in the
 * test's score (0 = informational: reported, never fails the test).
 */
export const assertSpecSchema = z
  .object({
    type: z.string().min(1),
    value: z.unknown().optional(),
    threshold: z.number().optional(),
    weight: z.number().min(0).max(1000).optional(),
    /** A name to aggregate this assertion's score under in reports (default: its type). */
    metric: z.string().min(1).max(64).optional(),
  })
  .catchall(z.unknown()); // type-specific keys (e.g. `min`, `max`, `provider`); each type validates its own
export type AssertSpec = z.infer<typeof assertSpecSchema>;

const varsSchema = z.record(z.string(), z.unknown());

export const testSpecSchema = z.strictObject({
  description: z.string().max(500).optional(),
  vars: varsSchema.optional(),
  assert: z.array(assertSpecSchema).optional(),
  /** Overrides the suite's options for this test. */
  options: generationOptionsSchema.optional(),
  /** Run this test K times (overrides the suite's and --repeat's K). */
  repeat: z.number().int().min(1).max(1000).optional(),
  /**
   * Fraction of the repeats that must pass for the test to pass (flaky tests): 0.6 with repeat 5
   * passes when 3 of 5 runs pass. Default 1 (every repeat must pass).
   */
  passThreshold: z.number().min(0).max(1).optional(),
  /** Kept out of per-test detail everywhere (CLI, API, reports); only aggregates are shown. */
  holdout: z.boolean().optional(),
  /** Free-form group for reports ("format", "safety", "injection", …). */
  category: z.string().min(1).max(64).optional(),
  /** Extra data for built-in suites' analysers (e.g. a bias pair id, the attribute varied). */
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type TestSpec = z.infer<typeof testSpecSchema>;

export const thresholdsSchema = z.strictObject({
  /** The gate fails when the candidate's pass rate (non-holdout and holdout alike) is below this. Default 1. */
  passRate: z.number().min(0).max(1).optional(),
  /**
   * The gate fails when the candidate's pass rate is more than this below the baseline's (absolute,
   * 0.05 = five points). Default 0.
   */
  regressionTolerance: z.number().min(0).max(1).optional(),
  /** Holdout tests' own pass-rate floor (default: passRate). */
  holdoutPassRate: z.number().min(0).max(1).optional(),
});
export type Thresholds = z.infer<typeof thresholdsSchema>;

export const suiteSchema = z.strictObject({
  description: z.string().max(2000).optional(),
  prompts: z.array(promptSchema).min(1, "a suite needs at least one prompt"),
  /** Models under test when --model is not given (the first is the candidate). */
  providers: z.array(providerSpecSchema).optional(),
  /** Default generation options for every call. */
  options: generationOptionsSchema.optional(),
  /** Merged into every test: vars (test wins), assert (prepended), options, category, passThreshold. */
  defaultTest: testSpecSchema.omit({ holdout: true }).optional(),
  tests: z.array(testSpecSchema).min(1, "a suite needs at least one test"),
  /** Repeats of every test (flaky-model statistics); --repeat overrides. Default 1. */
  repeat: z.number().int().min(1).max(1000).optional(),
  thresholds: thresholdsSchema.optional(),
  /** The judge for `model-graded` assertions (an assertion's own `provider` wins). */
  judge: providerSpecSchema.optional(),
  /** The embedder for `similar` assertions (default: the provider under test). */
  embedder: providerSpecSchema.optional(),
  /** Seed for bootstrap intervals and anything random in the evaluation itself. Default 1. */
  seed: z.number().int().min(0).optional(),
});
export type Suite = z.infer<typeof suiteSchema>;

// ---- grading -----------------------------------------------------------------------------------------

/** What every assertion returns. `score` is in [0, 1]; `reason` says why, for a person. */
export interface GradingResult {
  pass: boolean;
  score: number;
  reason: string;
}

// ---- providers ---------------------------------------------------------------------------------------

export type PromptInput = string | EvalChatMessage[];

export interface CallOptions extends GenerationOptions {
  /** Ask for per-token log-probabilities of the output (null in the response when unsupported). */
  logprobs?: boolean;
  signal?: AbortSignal;
}

export interface ProviderResponse {
  text: string;
  /** Wall time of the call (for a cache hit: of the original call). */
  latencyMs: number;
  promptTokens: number;
  completionTokens: number;
  /** Natural-log probability of each generated token, when asked for and supported. */
  logprobs?: number[];
  finishReason?: string;
  /** True when the answer came from the evaluation cache, not the model. */
  cached?: boolean;
}

export interface ContinuationScore {
  /** Sum of the natural-log probabilities of the continuation's tokens given the prompt. */
  logprob: number;
  /** Number of tokens the sum covers (for per-token averages and perplexity). */
  tokens: number;
}

/**
 * A model reachable for evaluation. One implementation per file in ./providers/. Methods a provider
 * cannot serve throw an LlmopsError("unavailable") whose message says what would work instead.
 */
export interface Provider {
  /**
   * Stable identity for caching and storage: a registered model resolves to its version
   * (`llmops:tiny@3`, never an alias, so a moved alias never serves stale cache entries).
   */
  readonly id: string;
  /** Name for reports (the reference as the user wrote it, e.g. `tiny@production → tiny@3`). */
  readonly label: string;
  generate(prompt: PromptInput, options: CallOptions): Promise<ProviderResponse>;
  /**
   * Teacher-forced log-probability of `continuation` after `prompt` (bias audits, logprob
   * assertions). Our workers: /v1/completions with echo + logprobs and max_tokens 0; tokens that
   * straddle the prompt/continuation boundary count toward the continuation.
   */
  scoreContinuation(
    prompt: string,
    continuation: string,
    options?: { signal?: AbortSignal },
  ): Promise<ContinuationScore>;
  /** L2-normalised embeddings, one per text, in order. */
  embed(texts: string[], options?: { signal?: AbortSignal }): Promise<number[][]>;
  /** Frees what the provider started (a worker it launched for the run). Idempotent. */
  close(): Promise<void>;
}

// ---- assertions --------------------------------------------------------------------------------------

export interface AssertionContext {
  /** The model's output for this test. */
  output: string;
  response: ProviderResponse;
  /** The prompt as sent (rendered). */
  prompt: PromptInput;
  vars: Record<string, unknown>;
  /** The provider under test (scoreContinuation, embed). */
  provider: Provider;
  /** Resolves a provider spec (judges, embedders) once per run, cached. */
  getProvider(spec: ProviderSpec): Promise<Provider>;
  /** The suite's judge / embedder specs, when configured. */
  judge?: ProviderSpec;
  embedder?: ProviderSpec;
  /** Folder of the suite file (relative paths in assertions resolve against it). */
  baseDir: string;
  signal?: AbortSignal;
}

/**
 * One assertion type. `parse` validates the assert entry when the suite loads (so a typo fails
 * before any model call) and returns the type's config; `evaluate` grades one output and must not
 * throw for a bad output (a failing GradingResult instead) — a throw is reported as a failing
 * assertion with the error as its reason, never a crash of the run.
 */
export interface Assertion<C = unknown> {
  readonly type: string;
  /** One line for `llmops eval assertions` and docs. */
  readonly description: string;
  /** Ask the provider for per-token log-probabilities of the output (perplexity, logprob). */
  readonly needsLogprobs?: boolean;
  parse(spec: AssertSpec): C;
  evaluate(config: C, ctx: AssertionContext): Promise<GradingResult> | GradingResult;
}

// ---- results -------------------------------------------------------------------------------------------

export interface AssertionResult extends GradingResult {
  type: string;
  metric: string;
  weight: number;
}

/** One call: a test × prompt × provider × repeat. */
export interface TestResult {
  /** Stable id of the test case (hash of prompt id, description and vars): pairs candidate and baseline. */
  caseId: string;
  /** Index of the test in the suite file (0-based). */
  testIndex: number;
  promptId: string;
  /** "candidate" or "baseline". */
  role: "candidate" | "baseline";
  providerId: string;
  repeat: number;
  description: string | null;
  category: string | null;
  holdout: boolean;
  /** Fraction of this case's repeats that must pass (1 unless the test sets passThreshold). */
  passThreshold: number;
  vars: Record<string, unknown>;
  metadata: Record<string, unknown>;
  output: string;
  pass: boolean;
  score: number;
  reason: string;
  latencyMs: number;
  promptTokens: number;
  completionTokens: number;
  cached: boolean;
  /** The call failed (network, model error): the test fails with this as the reason. */
  error: string | null;
  assertions: AssertionResult[];
}

// ---- built-in suites (src/eval/builtin, owned by the bias/red-team engineer) ------------------------------

export interface AnalysisContext {
  /** The candidate provider (e.g. to score continuations for the bias audit). */
  provider: Provider;
  /** "candidate" or "baseline": which results are being analysed. */
  role: "candidate" | "baseline";
  seed: number;
  signal?: AbortSignal;
  /** Options the user passed as `--set key=value` (e.g. a bias threshold). */
  settings: Record<string, string>;
}

/** A table in a report: rendered by every format (terminal, Markdown, HTML, JSON). */
export interface ReportTable {
  columns: string[];
  rows: Array<Array<string | number | null>>;
}

export interface AnalysisReport {
  title: string;
  /** Whether the analysis passes its own threshold; a failing analysis fails the gate. */
  pass: boolean;
  /** One paragraph for non-engineers. */
  summary: string;
  sections: Array<{ heading: string; text?: string; table?: ReportTable }>;
  /** Headline numbers (effect sizes, p-values, rates), stored with the run. */
  metrics: Record<string, number>;
}

export interface BuiltinSuite {
  suite: Suite;
  analyse?: (results: TestResult[], ctx: AnalysisContext) => Promise<AnalysisReport>;
}
