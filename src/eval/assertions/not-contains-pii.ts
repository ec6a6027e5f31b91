// not-contains-pii: the output holds no personal data, found with the data module's detectors
// (checksummed IDs, cards, IBANs, phones, e-mails, secrets, names, addresses). `types` limits the
// search; `minScore` is the detector confidence that counts (default 0.5, as in the pipelines).
import { z } from "zod";
import { DEFAULT_MIN_SCORE, detectPii, PII_TYPES } from "../../data/pii/index.js";
import type { Assertion } from "../types.js";
import { parseSpec, passFail } from "./helpers.js";

const schema = z.object({
  types: z.array(z.enum(PII_TYPES)).min(1).optional(),
  minScore: z.number().min(0).max(1).optional(),
});
type Config = z.infer<typeof schema>;

export const notContainsPii: Assertion<Config> = {
  type: "not-contains-pii",
  description: "output contains no personal data (data module's PII detectors)",
  parse: (spec) => parseSpec("not-contains-pii", schema, spec),
  evaluate({ types, minScore }, { output }) {
    const found = detectPii(output, { ...(types ? { types } : {}), minScore: minScore ?? DEFAULT_MIN_SCORE });
    if (found.length === 0) return passFail(true, "no personal data found");
    const byType = new Map<string, number>();
    for (const d of found) byType.set(d.type, (byType.get(d.type) ?? 0) + 1);
    // The reason names types and counts, never the values: reports must not spread the leak.
    return passFail(false, `found ${[...byType].map(([t, n]) => `${n} ${t}`).join(", ")}`);
  },
};
