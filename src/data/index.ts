// Public surface of the data module: versioned datasets, ingest, pipelines and their steps,
// reports and validation rules. (The PII library has its own: ./pii/index.ts.)
export { type CommitOptions, DatasetStore, MAX_PAGE, VersionWriter } from "./datasets.js";
export { type IngestInput, type IngestProgress, ingest } from "./ingest.js";
export { STEPS } from "./pipeline/registry.js";
export { type PipelineResult, type RunPipelineInput, runPipeline } from "./pipeline/run.js";
export { type ParsedPipeline, type ParsedStep, parsePipeline } from "./pipeline/spec.js";
export {
  Dropped,
  defineStep,
  drop,
  type PipelineStep,
  type StepContext,
  type StepInstance,
  type StepResult,
  textOf,
} from "./pipeline/step.js";
export { assertDatasetName, formatDatasetRef, parseDatasetRef } from "./refs.js";
export { renderReportHtml } from "./report/html.js";
export { type DatasetReport, type ProfileOptions, profileVersion } from "./report/profile.js";
export { checkRules, parseRules, type RuleSpec, type ValidationReport, Validator } from "./report/rules.js";
export type * from "./types.js";
