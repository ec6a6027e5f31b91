// latency: the call took at most `threshold` milliseconds (a cached answer reports its original
// call's latency, so a cache never makes a slow model pass).
import { z } from "zod";
import type { Assertion } from "../types.js";
import { parseSpec } from "./helpers.js";

const schema = z.object({ threshold: z.number({ error: "needs threshold (milliseconds)" }).positive() });

export const latency: Assertion<{ threshold: number }> = {
  type: "latency",
  description: "call latency ≤ threshold milliseconds",
  parse: (spec) => parseSpec("latency", schema, spec),
  evaluate({ threshold }, { response }) {
    const ms = response.latencyMs;
    return {
      pass: ms <= threshold,
      score: ms <= threshold ? 1 : threshold / ms,
      reason: `${Math.round(ms)} ms ${ms <= threshold ? "≤" : ">"} ${threshold} ms`,
    };
  },
};
