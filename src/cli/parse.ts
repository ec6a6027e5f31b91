import { LlmopsError } from "../errors.js";

/** Parses an integer flag, or fails as a usage error (exit code 2) naming the flag and its range. */
export function parseInteger(text: string, flag: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || value < min || value > max) {
    throw new LlmopsError("usage", `${flag} must be an integer from ${min} to ${max}, not '${text}'.`, { param: flag });
  }
  return value;
}
