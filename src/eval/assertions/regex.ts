// regex: the output matches a JavaScript regular expression (`flags` e.g. "i", "s", "u").
import { z } from "zod";
import type { Assertion } from "../types.js";
import { parseSpec, passFail, quote } from "./helpers.js";

const schema = z
  .object({
    value: z.string({ error: "needs a pattern string" }).min(1),
    flags: z
      .string()
      .regex(/^[gimsuy]*$/)
      .optional(),
  })
  .superRefine((c, ctx) => {
    try {
      new RegExp(c.value, c.flags);
    } catch (error) {
      ctx.addIssue({
        code: "custom",
        path: ["value"],
        message: `invalid regular expression (${(error as Error).message})`,
      });
    }
  });

export const regex: Assertion<RegExp> = {
  type: "regex",
  description: "output matches the regular expression",
  parse(spec) {
    const c = parseSpec("regex", schema, spec);
    return new RegExp(c.value, (c.flags ?? "").replace("g", "")); // no g: test() must not keep state
  },
  evaluate(re, { output }) {
    const match = re.exec(output);
    return passFail(
      match !== null,
      match ? `matches /${re.source}/ at ${quote(match[0], 40)}` : `does not match /${re.source}/`,
    );
  },
};
