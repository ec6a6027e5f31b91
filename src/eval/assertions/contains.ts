// contains: the output contains the value (case-sensitive).
import { z } from "zod";
import type { Assertion } from "../types.js";
import { parseSpec, passFail, quote } from "./helpers.js";

const schema = z.object({ value: z.string({ error: "needs a string value" }).min(1, "needs a non-empty value") });

export const contains: Assertion<{ value: string }> = {
  type: "contains",
  description: "output contains the value (case-sensitive)",
  parse: (spec) => parseSpec("contains", schema, spec),
  evaluate: ({ value }, { output }) =>
    passFail(output.includes(value), `${output.includes(value) ? "contains" : "does not contain"} ${quote(value)}`),
};
