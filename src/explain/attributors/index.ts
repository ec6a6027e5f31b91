// The attribution methods by name: one file each, one line here.
import { invalidRequest } from "../../errors.js";
import type { Attributor } from "../types.js";
import { attention } from "./attention.js";
import { gradXInput } from "./grad-x-input.js";
import { integratedGradients, integratedGradientsWith } from "./integrated-gradients.js";
import { kernelShap } from "./kernelshap.js";
import { lime } from "./lime.js";
import { occlusion } from "./occlusion.js";
import { randomAttributor } from "./random.js";
import { shapley } from "./shapley.js";

export const ATTRIBUTORS: Readonly<Record<string, Attributor>> = {
  occlusion,
  lime,
  kernelshap: kernelShap,
  shapley,
  ig: integratedGradients,
  "ig-riemann": integratedGradientsWith("riemann"),
  gradxinput: gradXInput,
  attention,
  random: randomAttributor,
};

export const METHOD_NAMES = Object.keys(ATTRIBUTORS);

export function getAttributor(name: string): Attributor {
  const a = ATTRIBUTORS[name];
  if (!a) throw invalidRequest(`Unknown method '${name}'; choose one of: ${METHOD_NAMES.join(", ")}.`, "method");
  return a;
}
