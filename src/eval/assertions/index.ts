// The assertion registry: one line per type. A `not-` prefix negates any type (`not-contains`,
// `not-regex`, `not-is-json`) unless a type of that exact name exists (`not-contains-pii`).
import { invalidRequest } from "../../errors.js";
import type { Assertion, AssertionContext, AssertSpec, GradingResult } from "../types.js";
import { bannedTerms } from "./banned-terms.js";
import { contains } from "./contains.js";
import { containsAll } from "./contains-all.js";
import { containsAny } from "./contains-any.js";
import { equals } from "./equals.js";
import { icontains } from "./icontains.js";
import { isJson } from "./is-json.js";
import { javascript } from "./javascript.js";
import { jsonSchema } from "./json-schema.js";
import { latency } from "./latency.js";
import { length } from "./length.js";
import { logprob } from "./logprob.js";
import { modelGraded } from "./model-graded.js";
import { notContainsPii } from "./not-contains-pii.js";
import { perplexity } from "./perplexity.js";
import { regex } from "./regex.js";
import { similar } from "./similar.js";
import { startsWith } from "./starts-with.js";
import { tokenCount } from "./token-count.js";

const ALL: Assertion<never>[] = [
  equals,
  contains,
  icontains,
  containsAny,
  containsAll,
  regex,
  startsWith,
  isJson,
  jsonSchema,
  length,
  notContainsPii,
  bannedTerms,
  similar,
  logprob,
  perplexity,
  latency,
  tokenCount,
  modelGraded,
  javascript,
] as unknown as Assertion<never>[];

export const ASSERTIONS: ReadonlyMap<string, Assertion<unknown>> = new Map(
  ALL.map((a) => [a.type, a as unknown as Assertion<unknown>]),
);

/** A parsed assertion, ready to grade outputs. */
export interface PreparedAssertion {
  type: string;
  metric: string;
  weight: number;
  needsLogprobs: boolean;
  grade(ctx: AssertionContext): Promise<GradingResult>;
}

/** Looks up the type (with `not-` negation), validates the entry and binds its config. */
export function prepareAssertion(spec: AssertSpec): PreparedAssertion {
  let impl = ASSERTIONS.get(spec.type);
  let negate = false;
  if (!impl && spec.type.startsWith("not-")) {
    impl = ASSERTIONS.get(spec.type.slice(4));
    negate = impl !== undefined;
  }
  if (!impl) {
    throw invalidRequest(
      `Unknown assertion type '${spec.type}'; known types: ${[...ASSERTIONS.keys()].join(", ")} (prefix any with not- to negate).`,
    );
  }
  const assertion = impl;
  const config = assertion.parse(spec);
  return {
    type: spec.type,
    metric: spec.metric ?? spec.type,
    weight: spec.weight ?? 1,
    needsLogprobs: assertion.needsLogprobs === true,
    async grade(ctx) {
      let result: GradingResult;
      try {
        result = await assertion.evaluate(config, ctx);
      } catch (error) {
        // An assertion that cannot decide (judge unreachable, bad config found late) fails this test only.
        return { pass: false, score: 0, reason: `${spec.type}: ${(error as Error).message}` };
      }
      if (!negate) return result;
      return { pass: !result.pass, score: 1 - result.score, reason: `not (${result.reason})` };
    },
  };
}

export function assertionTypes(): Array<{ type: string; description: string }> {
  return [...ASSERTIONS.values()].map((a) => ({ type: a.type, description: a.description }));
}
