// banned-terms: none of the listed terms appear. Matching ignores case; Latin-script terms match on
// word boundaries ("ass" does not match "class"), other scripts (Chinese) match as substrings.
import { z } from "zod";
import type { Assertion } from "../types.js";
import { parseSpec, passFail, quote } from "./helpers.js";

const schema = z.object({
  value: z.array(z.string().min(1), { error: "needs a list of terms" }).min(1, "needs at least one term"),
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function termPattern(term: string): RegExp {
  const wordy = /^[\p{Script=Latin}\p{N}_'’ -]+$/u.test(term);
  return new RegExp(wordy ? `(?<![\\p{L}\\p{N}_])${escapeRegExp(term)}(?![\\p{L}\\p{N}_])` : escapeRegExp(term), "iu");
}

export const bannedTerms: Assertion<Array<{ term: string; re: RegExp }>> = {
  type: "banned-terms",
  description: "output contains none of the banned terms (case-insensitive, whole words for Latin script)",
  parse: (spec) => parseSpec("banned-terms", schema, spec).value.map((term) => ({ term, re: termPattern(term) })),
  evaluate(terms, { output }) {
    const hits = terms.filter((t) => t.re.test(output)).map((t) => t.term);
    return passFail(
      hits.length === 0,
      hits.length === 0 ? "no banned terms" : `contains banned ${hits.map((h) => quote(h)).join(", ")}`,
    );
  },
};
