// icontains: the output contains the value, ignoring case (Unicode-aware lower-casing).
import { z } from "zod";
import type { Assertion } from "../types.js";
import { parseSpec, passFail, quote } from "./helpers.js";

const schema = z.object({ value: z.string({ error: "needs a string value" }).min(1, "needs a non-empty value") });

export const icontains: Assertion<{ value: string }> = {
  type: "icontains",
  description: "output contains the value, ignoring case",
  parse: (spec) => parseSpec("icontains", schema, spec),
  evaluate({ value }, { output }) {
    const found = output.toLocaleLowerCase().includes(value.toLocaleLowerCase());
    return passFail(found, `${found ? "contains" : "does not contain"} ${quote(value)} (ignoring case)`);
  },
};
