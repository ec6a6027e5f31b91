// Shared by the gradient methods: they need the model's weights, and they score tokens, which are
// summed into the requested features (words, sentences) — sums keep completeness.
import { invalidRequest } from "../../errors.js";
import type { AttributorContext, GradientModel } from "../types.js";

export function needGradients(context: AttributorContext, method: string): GradientModel {
  if (!context.gradients)
    throw invalidRequest(
      `method '${method}' needs the model's weights (a llama-architecture GGUF in F32, F16, Q8_0 or Q4_0 from the registry); this model is only reachable through an endpoint — use occlusion, lime or kernelshap.`,
      "method",
    );
  return context.gradients;
}

/** Token scores → feature scores (BOS and tokens outside the prompt are dropped). */
export function toFeatures(tokenScores: readonly number[], tokenFeature: readonly number[], n: number): number[] {
  const out = new Array<number>(n).fill(0);
  tokenScores.forEach((s, t) => {
    const f = tokenFeature[t] ?? -1;
    if (f >= 0) out[f] = (out[f] as number) + s;
  });
  return out;
}
