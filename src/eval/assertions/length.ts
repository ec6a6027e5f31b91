// length: the output's length is within [min, max], in characters (Unicode code points, so a
// Chinese character counts once) or in words (`unit: words`, whitespace-separated).
import { z } from "zod";
import type { Assertion } from "../types.js";
import { parseSpec, passFail } from "./helpers.js";

const schema = z
  .object({
    min: z.number().int().min(0).optional(),
    max: z.number().int().min(0).optional(),
    unit: z.enum(["chars", "words"]).optional(),
  })
  .refine((c) => c.min !== undefined || c.max !== undefined, "needs min, max or both")
  .refine((c) => c.min === undefined || c.max === undefined || c.min <= c.max, "min must not exceed max");
type Config = z.infer<typeof schema>;

export function measureLength(text: string, unit: "chars" | "words" = "chars"): number {
  if (unit === "words") return text.split(/\s+/u).filter(Boolean).length;
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export const length: Assertion<Config> = {
  type: "length",
  description: "output length within min/max characters (or words with unit: words)",
  parse: (spec) => parseSpec("length", schema, spec),
  evaluate({ min, max, unit }, { output }) {
    const n = measureLength(output, unit);
    const ok = (min === undefined || n >= min) && (max === undefined || n <= max);
    const bounds = `${min ?? 0}–${max ?? "∞"}`;
    return passFail(ok, `${n} ${unit ?? "chars"} (${ok ? "within" : "outside"} ${bounds})`);
  },
};
