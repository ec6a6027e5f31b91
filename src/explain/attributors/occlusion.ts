// Occlusion (leave-one-out): a feature's score is how much the target's log-probability drops when
// that feature alone is deleted, f(all) − f(all without i). n + 1 evaluations, no randomness; it
// sees each feature's effect in the context of all the others, so it misses redundancy (two
// features that each suffice get ~0).
import { fullMask } from "../features.js";
import type { AttributeOptions, AttributionOutput, Attributor, AttributorContext } from "../types.js";

export const occlusion: Attributor = {
  name: "occlusion",
  kind: "black-box",
  description: "leave-one-out: the drop in log p(target) when one feature is deleted (n + 1 evaluations)",
  plannedCalls: (n) => n + 1,
  minimumCalls: (n) => n + 1,
  async attribute({ coalitions }: AttributorContext, _options: AttributeOptions): Promise<AttributionOutput> {
    const n = coalitions.features.length;
    const masks = [fullMask(n)];
    for (let i = 0; i < n; i++) {
      const m = fullMask(n);
      m[i] = 0;
      masks.push(m);
    }
    const v = await coalitions.values(masks);
    const full = v[0] as number;
    return { scores: v.slice(1).map((x) => full - x), samplesUsed: n + 1 };
  },
};
