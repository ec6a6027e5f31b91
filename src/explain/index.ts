// Public API of the explainability module.
export { ATTRIBUTORS, getAttributor, METHOD_NAMES } from "./attributors/index.js";
export { BudgetExceeded, CachedEvaluator } from "./evaluator.js";
export {
  DEFAULT_MAX_TOKENS,
  type ExplainedFeature,
  type ExplainOptions,
  type Explanation,
  explain,
} from "./explain.js";
export { type Curve, type Faithfulness, faithfulness, ranking } from "./faithfulness.js";
export { compose, guessLocale, segment } from "./features.js";
export { type GradientSource, openGradientSource } from "./gradients/source.js";
export { renderHtml } from "./render/html.js";
export { EngineScorer } from "./scorers/engine.js";
export { OpenAiScorer, type OpenAiScorerOptions } from "./scorers/openai.js";
export { WorkerScorer } from "./scorers/worker.js";
export type { Attributor, Feature, Grouping, LogProbScorer } from "./types.js";
export { GROUPINGS } from "./types.js";
