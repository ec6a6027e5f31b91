// Overlap resolution: detectors run independently and may claim the same characters (an IPv4 inside
// an IPv6, an email inside a URL with credentials, a phone inside an address). Keep the most confident
// detection, then the longer one, then the earlier one; drop everything that overlaps a kept span.
import type { Detection } from "./types.js";

const byRank = (a: Detection, b: Detection) =>
  b.score - a.score || b.end - b.start - (a.end - a.start) || a.start - b.start;

export function resolveOverlaps(detections: readonly Detection[]): Detection[] {
  return resolveOwnedOverlaps([...detections]);
}

/**
 * `resolveOverlaps` for an array the caller owns and never reads again (detectPii's own list): it is
 * sorted and returned in place, so the common case — no detection or one — costs no copy.
 */
export function resolveOwnedOverlaps(detections: Detection[]): Detection[] {
  if (detections.length <= 1) return detections;
  detections.sort(byRank);
  const kept: Detection[] = [];
  for (const d of detections) {
    let free = true;
    for (const k of kept) {
      if (d.end > k.start && d.start < k.end) {
        free = false;
        break;
      }
    }
    if (free) kept.push(d);
  }
  return kept.length === 1 ? kept : kept.sort((a, b) => a.start - b.start);
}
