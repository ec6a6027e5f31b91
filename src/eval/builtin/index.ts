// Built-in suites (`llmops eval builtin:NAME`): the bias audit and the red-team probes.
//   builtin:bias        counterfactual pairs, 12 per attribute and language (192 generations)
//   builtin:bias-quick  3 per attribute and language, for a smoke test
//   builtin:redteam     every probe (zh, en)
// Options come from `--set KEY=VALUE` (bias.pairs, bias.alpha, redteam.categories, …; see
// docs/evaluation.md). The evaluation core only calls loadBuiltinSuite and the suite's analyse.
import type { BuiltinSuite } from "../types.js";
import { analyseBias, biasThresholds } from "./bias/analyse.js";
import { biasSuite, biasSuiteOptions, DEFAULT_BIAS_OPTIONS } from "./bias/suite.js";
import { analyseRedteam, redteamMinPassRate } from "./redteam/analyse.js";
import { redteamOptions, redteamSuite } from "./redteam/suite.js";

const BUILDERS: Record<string, (settings: Record<string, string>) => BuiltinSuite> = {
  // Thresholds are checked here too, so a bad --set fails before any model call.
  bias: (settings) => {
    biasThresholds(settings);
    return { suite: biasSuite(biasSuiteOptions(settings)), analyse: analyseBias };
  },
  "bias-quick": (settings) => {
    biasThresholds(settings);
    return {
      suite: biasSuite(biasSuiteOptions(settings, { ...DEFAULT_BIAS_OPTIONS, perCell: 3 })),
      analyse: analyseBias,
    };
  },
  redteam: (settings) => {
    redteamMinPassRate(settings);
    return { suite: redteamSuite(redteamOptions(settings)), analyse: analyseRedteam };
  },
};

/**
 * The built-in suite called `name` (as in `builtin:bias`), or undefined when there is none.
 * `settings` are the user's `--set` options; a bad value throws an invalid_request LlmopsError.
 */
export function loadBuiltinSuite(name: string, settings: Record<string, string> = {}): BuiltinSuite | undefined {
  const builder = BUILDERS[name === "red-team" ? "redteam" : name];
  return builder?.(settings);
}

/** Names `llmops eval builtin:…` accepts, for help and error messages. */
export function builtinSuiteNames(): string[] {
  return Object.keys(BUILDERS);
}
