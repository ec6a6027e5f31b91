// contains-all: the output contains every value; the score is the fraction found.
import { z } from "zod";
import type { Assertion } from "../types.js";
import { parseSpec, quote } from "./helpers.js";

const schema = z.object({
  value: z.array(z.string().min(1), { error: "needs a list of strings" }).min(1, "needs at least one value"),
  ignoreCase: z.boolean().optional(),
});
type Config = z.infer<typeof schema>;

export const containsAll: Assertion<Config> = {
  type: "contains-all",
  description: "output contains every one of the values (score: fraction found)",
  parse: (spec) => parseSpec("contains-all", schema, spec),
  evaluate({ value, ignoreCase }, { output }) {
    const fold = (s: string) => (ignoreCase ? s.toLocaleLowerCase() : s);
    const hay = fold(output);
    const missing = value.filter((v) => !hay.includes(fold(v)));
    return {
      pass: missing.length === 0,
      score: (value.length - missing.length) / value.length,
      reason:
        missing.length === 0
          ? `contains all ${value.length} values`
          : `missing ${missing.map((v) => quote(v)).join(", ")}`,
    };
  },
};
