// Test helpers shared by the detector unit tests (not part of the public API).
import { foldWidth } from "./normalize.js";
import type { Detection, Detector } from "./types.js";

/** Runs one detector and returns the matched substrings of the ORIGINAL text with their scores. */
export function run(
  detector: Detector,
  text: string,
  minScore = 0.5,
): { value: string; score: number; d: Detection }[] {
  return detector
    .detect({ text, norm: foldWidth(text) })
    .filter((d) => d.score >= minScore)
    .map((d) => ({ value: text.slice(d.start, d.end), score: d.score, d }));
}

export function values(detector: Detector, text: string, minScore = 0.5): string[] {
  return run(detector, text, minScore).map((r) => r.value);
}
