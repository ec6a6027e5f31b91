// Built-in suites record in each test's metadata the settings that shaped them (pairs, categories,
// languages, …). The analyses compare those with the `--set` values they are given, so a value that
// never reached the suite (the suite was loaded without it, or a stored run is re-analysed) is
// reported instead of silently ignored.
import type { TestResult } from "../types.js";

const norm = (s: string) =>
  s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean)
    .join(",");

/** "KEY=VALUE (the suite ran with X)" for each shaping setting that differs from the suite's. */
export function unappliedShapeSettings(
  results: readonly TestResult[],
  builtin: string,
  keys: readonly string[],
  settings: Record<string, string>,
): string[] {
  const shape = results.find((r) => r.metadata.builtin === builtin)?.metadata.shape as
    | Record<string, unknown>
    | undefined;
  if (!shape) return [];
  return keys
    .filter((key) => {
      const wanted = settings[key];
      return wanted !== undefined && typeof shape[key] === "string" && norm(wanted) !== norm(shape[key] as string);
    })
    .map((key) => `${key}=${settings[key]} (the suite ran with ${String(shape[key])})`);
}
