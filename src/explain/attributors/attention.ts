// Attention maps: the softmax attention of every layer and head, from the positions that predict
// the target's tokens to every earlier position. The feature score is the attention those queries
// pay to the feature's tokens, averaged over layers, heads and target positions (a share in 0…1,
// not a log-probability: attention says where the model looked, not what changed its answer —
// the faithfulness curves next to it show how far that goes).
import type { AttributeOptions, AttributionOutput, Attributor, AttributorContext } from "../types.js";
import { needGradients, toFeatures } from "./gradient-common.js";

export const attention: Attributor = {
  name: "attention",
  kind: "gradient",
  description: "attention maps per layer and head; score = mean attention from target-predicting positions",
  plannedCalls: () => 0,
  minimumCalls: () => 0,
  async attribute(context: AttributorContext, _options: AttributeOptions): Promise<AttributionOutput> {
    const g = needGradients(context, "attention");
    const full = await g.attention();
    const P = g.promptIds.length;
    const T = g.targetIds.length;
    // Queries P−1 … P+T−2 predict target tokens 0 … T−1.
    const maps = full.map((layer) => layer.map((head) => head.slice(P - 1, P - 1 + T)));
    const tokenScores = new Array<number>(P).fill(0);
    let count = 0;
    for (const layer of maps)
      for (const head of layer)
        for (const row of head) {
          count++;
          for (let k = 0; k < P; k++) tokenScores[k] = (tokenScores[k] as number) + (row[k] ?? 0);
        }
    for (let k = 0; k < P; k++) tokenScores[k] = (tokenScores[k] as number) / Math.max(1, count);
    return {
      scores: toFeatures(tokenScores, g.tokenFeature, context.coalitions.features.length),
      samplesUsed: 1,
      attention: { layers: maps.length, heads: maps[0]?.length ?? 0, tokens: [], promptLength: P, maps },
    };
  },
};
