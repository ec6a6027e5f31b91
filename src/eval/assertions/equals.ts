// equals: the output is exactly the value (a string, or a JSON value compared structurally when the
// value is not a string and the output parses as JSON).
import { isDeepStrictEqual } from "node:util";
import { z } from "zod";
import type { Assertion } from "../types.js";
import { parseSpec, passFail, quote } from "./helpers.js";

const schema = z.object({ value: z.unknown().refine((v) => v !== undefined, "needs a value") });

export const equals: Assertion<{ value: unknown }> = {
  type: "equals",
  description: "output equals the value exactly (JSON values compare structurally)",
  parse: (spec) => parseSpec("equals", schema, spec) as { value: unknown },
  evaluate({ value }, { output }) {
    if (typeof value === "string") {
      return passFail(
        output === value,
        output === value ? "output equals the value" : `expected ${quote(value)}, got ${quote(output)}`,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(output);
    } catch {
      return passFail(false, `expected the JSON value ${quote(JSON.stringify(value))}, but the output is not JSON`);
    }
    const same = isDeepStrictEqual(parsed, value);
    return passFail(
      same,
      same ? "output equals the JSON value" : `expected ${quote(JSON.stringify(value))}, got ${quote(output)}`,
    );
  },
};
