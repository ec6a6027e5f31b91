// Coalition values with the cost controls every method shares:
// - a cache: the same perturbed prompt (and target) is evaluated once, whichever method or
//   faithfulness curve asks for it and however many masks compose to the same text;
// - batching: the misses of one request go to the scorer together (chunks of `batchSize`), so a
//   worker or remote endpoint sees few large requests instead of many small ones;
// - a budget: the number of model evaluations allowed; asking for more throws BudgetExceeded before
//   anything is sent (methods plan within remaining() and truncate themselves when they can);
// - progress: a callback after every chunk.
import { LlmopsError } from "../errors.js";
import { compose } from "./features.js";
import type { CoalitionValues, Feature, LogProbScorer, Mask } from "./types.js";

export interface EvaluatorOptions {
  /** Most model evaluations (distinct prompts); undefined = no limit. */
  budget?: number;
  /** Prompts per scoreBatch call (default 16). */
  batchSize?: number;
  onProgress?: (calls: number) => void;
  signal?: AbortSignal;
}

export class BudgetExceeded extends LlmopsError {
  constructor(needed: number, remaining: number, budget: number) {
    super(
      "invalid_request",
      `This explanation needs ${needed} more model evaluations but only ${remaining} of the budget of ${budget} are left; raise the budget (--budget / "budget"), lower the samples, or group coarser (word, sentence).`,
      { param: "budget" },
    );
  }
}

export class CachedEvaluator implements CoalitionValues {
  private readonly cache = new Map<string, number>();
  /** Model evaluations made (cache misses sent to the scorer). */
  calls = 0;
  /** Values answered from the cache. */
  cacheHits = 0;
  readonly budget: number;
  private readonly batchSize: number;

  constructor(
    private readonly scorer: LogProbScorer,
    readonly features: readonly Feature[],
    readonly target: string,
    private readonly options: EvaluatorOptions = {},
  ) {
    this.budget = options.budget ?? Number.POSITIVE_INFINITY;
    this.batchSize = Math.max(1, options.batchSize ?? 16);
  }

  remaining(): number {
    return this.budget - this.calls;
  }

  async values(masks: readonly Mask[]): Promise<number[]> {
    const prompts = masks.map((m) => compose(this.features, m));
    return this.scorePrompts(prompts);
  }

  /** Values of arbitrary prompts through the same cache and budget. */
  async scorePrompts(prompts: readonly string[]): Promise<number[]> {
    const missing: string[] = [];
    const seen = new Set<string>();
    for (const p of prompts) {
      if (this.cache.has(p) || seen.has(p)) continue;
      seen.add(p);
      missing.push(p);
    }
    this.cacheHits += prompts.length - missing.length;
    if (missing.length > this.remaining()) throw new BudgetExceeded(missing.length, this.remaining(), this.budget);
    for (let i = 0; i < missing.length; i += this.batchSize) {
      this.options.signal?.throwIfAborted();
      const chunk = missing.slice(i, i + this.batchSize);
      const scores = await this.scorer.scoreBatch(chunk, this.target, this.options.signal);
      if (scores.length !== chunk.length)
        throw new LlmopsError("internal", `the scorer returned ${scores.length} values for ${chunk.length} prompts`);
      chunk.forEach((p, j) => {
        const v = scores[j] as number;
        if (!Number.isFinite(v))
          throw new LlmopsError("internal", `the scorer returned a non-finite log-probability (${v}) for a prompt`);
        this.cache.set(p, v);
      });
      this.calls += chunk.length;
      this.options.onProgress?.(this.calls);
    }
    return prompts.map((p) => this.cache.get(p) as number);
  }
}
