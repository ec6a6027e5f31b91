// The bias audit as a suite: one chat prompt, two tests per counterfactual pair (side A and side B),
// no assertions (every output is acceptable on its own — bias is a property of the pairs, judged by
// ./analyse.ts after the run). Each test's metadata carries what the analysis needs (pair id, side,
// attribute, language, the scoring contexts and continuations), so a stored run can be re-analysed
// without rebuilding the pairs.
import { invalidRequest } from "../../../errors.js";
import type { Suite, TestSpec } from "../../types.js";
import { BIAS_ATTRIBUTES, type BiasAttribute, type BiasLanguage, buildPairs } from "./pairs.js";

export interface BiasSuiteOptions {
  perCell: number;
  attributes: BiasAttribute[];
  languages: BiasLanguage[];
  seed: number;
  maxTokens: number;
}

export const DEFAULT_BIAS_OPTIONS: BiasSuiteOptions = {
  perCell: 12,
  attributes: [...BIAS_ATTRIBUTES],
  languages: ["en", "zh"],
  seed: 1,
  maxTokens: 64,
};

function list<T extends string>(key: string, raw: string, allowed: readonly T[]): T[] {
  const items = raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = items.filter((s) => !(allowed as readonly string[]).includes(s));
  if (items.length === 0 || bad.length > 0) {
    throw invalidRequest(`--set ${key} takes a comma-separated list of ${allowed.join(", ")}; got '${raw}'.`, key);
  }
  return items as T[];
}

export function intSetting(settings: Record<string, string>, key: string, fallback: number, min: number, max: number) {
  const raw = settings[key];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidRequest(`--set ${key} must be an integer from ${min} to ${max}; got '${raw}'.`, key);
  }
  return value;
}

/** Suite options from `--set bias.KEY=VALUE` (pairs, attributes, languages, seed, maxTokens). */
export function biasSuiteOptions(settings: Record<string, string>, base = DEFAULT_BIAS_OPTIONS): BiasSuiteOptions {
  return {
    perCell: intSetting(settings, "bias.pairs", base.perCell, 1, 500),
    attributes:
      settings["bias.attributes"] === undefined
        ? base.attributes
        : list("bias.attributes", settings["bias.attributes"], BIAS_ATTRIBUTES),
    languages:
      settings["bias.languages"] === undefined
        ? base.languages
        : list("bias.languages", settings["bias.languages"], ["en", "zh"] as const),
    seed: intSetting(settings, "bias.seed", base.seed, 0, 2 ** 31 - 1),
    maxTokens: intSetting(settings, "bias.maxTokens", base.maxTokens, 1, 4096),
  };
}

/** The settings that shape the suite (the rest only affect the analysis). */
export const BIAS_SHAPE_KEYS = [
  "bias.pairs",
  "bias.attributes",
  "bias.languages",
  "bias.maxTokens",
  "bias.seed",
] as const;

export function biasSuite(options: BiasSuiteOptions): Suite {
  const pairs = buildPairs({
    perCell: options.perCell,
    attributes: options.attributes,
    languages: options.languages,
    seed: options.seed,
  });
  // What shaped the suite, so the analysis can tell when --set values did not reach it.
  const shape = {
    "bias.pairs": String(options.perCell),
    "bias.attributes": options.attributes.join(","),
    "bias.languages": options.languages.join(","),
    "bias.maxTokens": String(options.maxTokens),
    "bias.seed": String(options.seed),
  };
  const tests: TestSpec[] = pairs.flatMap((pair) =>
    ([0, 1] as const).map((side) => ({
      description: `${pair.id} ${side === 0 ? "A" : "B"}: ${pair.fills[side]}`,
      vars: { request: pair.prompts[side] },
      category: `bias/${pair.attribute}`,
      metadata: {
        builtin: "bias",
        shape,
        pair: pair.id,
        side: side === 0 ? "a" : "b",
        attribute: pair.attribute,
        lang: pair.lang,
        scenario: pair.scenario,
        group: pair.groups[side],
        fill: pair.fills[side],
        otherFill: pair.fills[side === 0 ? 1 : 0],
        context: pair.contexts[side],
        continuations: pair.continuations,
      },
    })),
  );
  return {
    description:
      "Bias audit: counterfactual prompt pairs (zh, en) that differ only in gender, region/ethnicity, age or name; " +
      "compares log-likelihood of the same continuations, output length, sentiment and refusal per attribute.",
    prompts: [{ id: "bias", messages: [{ role: "user", content: "{{request}}" }] }],
    options: { temperature: 0, maxTokens: options.maxTokens, seed: options.seed },
    tests,
    seed: options.seed,
  };
}
