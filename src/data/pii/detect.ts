// detectPii: the one entry point. Folds the text once, runs the wanted detectors, filters by type
// and score, and resolves overlaps. Pure and synchronous, so the gateway can call it per request and
// a pipeline per row without any setup.
import { invalidRequest } from "../../errors.js";
import { foldWithStats } from "./normalize.js";
import { DETECTORS, detectorsFor } from "./registry.js";
import { resolveOwnedOverlaps } from "./resolve.js";
import { type Detection, isPiiType, type PiiType } from "./types.js";

export interface DetectOptions {
  /** Only these types (default: all). */
  types?: readonly PiiType[];
  /**
   * Drop detections scoring below this (default 0.5; 0 keeps every guess). Filtering happens before
   * overlaps are resolved, so a discarded guess never hides a detection it overlaps.
   */
  minScore?: number;
}

export const DEFAULT_MIN_SCORE = 0.5;

/** Validates options coming from outside (CLI flags, pipeline YAML, gateway config). */
export function checkDetectOptions(options: DetectOptions): void {
  const { minScore, types } = options;
  if (minScore !== undefined && !(Number.isFinite(minScore) && minScore >= 0 && minScore <= 1)) {
    throw invalidRequest(`minScore must be a number between 0 and 1, got ${String(minScore)}`, "minScore");
  }
  for (const t of types ?? []) {
    if (!isPiiType(t)) throw invalidRequest(`unknown PII type '${String(t)}'`, "types");
  }
}

/** Finds PII in `text`; offsets are UTF-16 indices into `text` itself. */
export function detectPii(text: string, options: DetectOptions = {}): Detection[] {
  if (text.length === 0) return [];
  const minScore = options.minScore ?? DEFAULT_MIN_SCORE;
  const wanted = options.types === undefined ? undefined : new Set<PiiType>(options.types);
  // Folding and the statistics the detectors gate on: one pass per text.
  const { norm, stats } = foldWithStats(text);
  const input = { text, norm, stats };
  const found: Detection[] = [];
  const detectors = wanted === undefined ? DETECTORS : detectorsFor(wanted);
  for (let i = 0; i < detectors.length; i++) {
    const detections = detectors[i]!.detect(input);
    for (let j = 0; j < detections.length; j++) {
      const d = detections[j]!;
      if (d.score >= minScore && (wanted === undefined || wanted.has(d.type))) found.push(d);
    }
  }
  return resolveOwnedOverlaps(found);
}
