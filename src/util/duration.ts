// Durations as people write them in flags and config ("90s", "5m", "1h", "7d", "2w", "300ms"): one
// parser for the CLI, the API and the configuration, so every place accepts the same forms.

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A number and a unit → milliseconds; a number passes through as milliseconds; NaN for anything else. */
export function durationMs(text: string | number): number {
  if (typeof text === "number") return text;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/.exec(text);
  return match ? Number(match[1]) * UNIT_MS[match[2]!]! : Number.NaN;
}
