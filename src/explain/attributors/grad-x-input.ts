// Gradient × input: x · ∂f/∂x at the prompt's own embeddings, summed over embedding dimensions.
// One forward and backward pass; the first-order Taylor term of integrated gradients, cheap but
// noisy where the model is far from linear.
import type { AttributeOptions, AttributionOutput, Attributor, AttributorContext } from "../types.js";
import { needGradients, toFeatures } from "./gradient-common.js";

export const gradXInput: Attributor = {
  name: "gradxinput",
  kind: "gradient",
  description: "gradient × input on the input embeddings (one backward pass)",
  plannedCalls: () => 0,
  minimumCalls: () => 0,
  async attribute(context: AttributorContext, _options: AttributeOptions): Promise<AttributionOutput> {
    const g = needGradients(context, "gradxinput");
    const { perToken } = await g.gradDotInput([1]);
    return {
      scores: toFeatures(perToken[0] ?? [], g.tokenFeature, context.coalitions.features.length),
      samplesUsed: 1,
    };
  },
};
