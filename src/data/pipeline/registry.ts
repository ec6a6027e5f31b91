// Every pipeline step by name. Adding a step: one file in ./steps, one line here.
import type { PipelineStep } from "./step.js";
import { cleanWhitespaceStep } from "./steps/clean-whitespace.js";
import { exactDedupStep } from "./steps/exact-dedup.js";
import { languageStep } from "./steps/language.js";
import { lengthFilterStep } from "./steps/length-filter.js";
import { nearDedupStep } from "./steps/near-dedup.js";
import { normalizeStep } from "./steps/normalize.js";
import { piiStep } from "./steps/pii.js";
import { qualityFilterStep } from "./steps/quality-filter.js";
import { splitStep } from "./steps/split.js";
import { stripHtmlStep } from "./steps/strip-html.js";
import { tokenStatsStep } from "./steps/token-stats.js";

const all: PipelineStep[] = [
  normalizeStep,
  cleanWhitespaceStep,
  stripHtmlStep,
  languageStep,
  lengthFilterStep,
  qualityFilterStep,
  exactDedupStep,
  nearDedupStep,
  piiStep,
  splitStep,
  tokenStatsStep,
];

export const STEPS: ReadonlyMap<string, PipelineStep> = new Map(all.map((step) => [step.name, step]));
