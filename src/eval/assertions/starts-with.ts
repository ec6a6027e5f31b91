// starts-with: the output begins with the value (leading whitespace counts; use trim: true to ignore it).
import { z } from "zod";
import type { Assertion } from "../types.js";
import { parseSpec, passFail, quote } from "./helpers.js";

const schema = z.object({ value: z.string({ error: "needs a string value" }).min(1), trim: z.boolean().optional() });
type Config = z.infer<typeof schema>;

export const startsWith: Assertion<Config> = {
  type: "starts-with",
  description: "output starts with the value",
  parse: (spec) => parseSpec("starts-with", schema, spec),
  evaluate({ value, trim }, { output }) {
    const text = trim ? output.trimStart() : output;
    const ok = text.startsWith(value);
    return passFail(
      ok,
      ok
        ? `starts with ${quote(value)}`
        : `starts with ${quote(text.slice(0, value.length + 10))}, not ${quote(value)}`,
    );
  },
};
