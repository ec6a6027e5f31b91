// Public surface of the PII library (detectors, redaction, evaluation helpers).
export { checkDetectOptions, DEFAULT_MIN_SCORE, type DetectOptions, detectPii } from "./detect.js";
export { foldWidth } from "./normalize.js";
export {
  canonicalValue,
  type MaskStyle,
  pseudonymFor,
  REDACTION_MODES,
  type RedactionMode,
  type RedactOptions,
  type RedactResult,
  redactPii,
  redactText,
} from "./redact.js";
export { DETECTORS, detectorsFor } from "./registry.js";
export { resolveOverlaps } from "./resolve.js";
export {
  MAX_LINE_BYTES,
  type OutputSpan,
  type ScanJsonlOptions,
  type ScanSummary,
  scanJsonlFile,
} from "./scan-jsonl.js";
export {
  type Detection,
  type Detector,
  isPiiType,
  PII_TYPES,
  type PiiType,
  type ScanInput,
  STRUCTURED_PII_TYPES,
  type TextStats,
} from "./types.js";
