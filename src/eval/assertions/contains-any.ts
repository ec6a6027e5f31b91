// contains-any: the output contains at least one of the values; `ignoreCase: true` folds case.
import { z } from "zod";
import type { Assertion } from "../types.js";
import { parseSpec, passFail, quote } from "./helpers.js";

const schema = z.object({
  value: z.array(z.string().min(1), { error: "needs a list of strings" }).min(1, "needs at least one value"),
  ignoreCase: z.boolean().optional(),
});
type Config = z.infer<typeof schema>;

export const containsAny: Assertion<Config> = {
  type: "contains-any",
  description: "output contains at least one of the values",
  parse: (spec) => parseSpec("contains-any", schema, spec),
  evaluate({ value, ignoreCase }, { output }) {
    const fold = (s: string) => (ignoreCase ? s.toLocaleLowerCase() : s);
    const hay = fold(output);
    const found = value.filter((v) => hay.includes(fold(v)));
    return passFail(
      found.length > 0,
      found.length > 0
        ? `contains ${found.map((v) => quote(v)).join(", ")}`
        : `contains none of ${value.map((v) => quote(v)).join(", ")}`,
    );
  },
};
