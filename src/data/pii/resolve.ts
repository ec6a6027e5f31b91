// Overlap resolution: detectors run independently and may claim the same characters (an IPv4 inside
// an IPv6, an email inside a URL with credentials, a phone inside an address). Keep the most confident
// detection, then the longer one, then the earlier one; drop everything that overlaps a kept span.
import type { Detection } from "./types.js";

export function resolveOverlaps(detections: readonly Detection[]): Detection[] {
  if (detections.length <= 1) return [...detections];
  const ranked = [...detections].sort(
    (a, b) => b.score - a.score || b.end - b.start - (a.end - a.start) || a.start - b.start,
  );
  const kept: Detection[] = [];
  for (const d of ranked) {
    if (kept.every((k) => d.end <= k.start || d.start >= k.end)) kept.push(d);
  }
  return kept.sort((a, b) => a.start - b.start);
}
