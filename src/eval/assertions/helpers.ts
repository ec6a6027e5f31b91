// Small shared pieces for assertion implementations: config validation with messages that name the
// assertion, and result constructors.
import type { z } from "zod";
import { invalidRequest } from "../../errors.js";
import type { AssertSpec, GradingResult } from "../types.js";

/** Validates an assert entry against a type's schema; errors name the type and the field. */
export function parseSpec<T extends z.ZodType>(type: string, schema: T, spec: AssertSpec): z.output<T> {
  const result = schema.safeParse(spec);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join(".");
  throw invalidRequest(`assertion '${type}'${field ? ` ${field}` : ""}: ${issue?.message ?? "invalid"}`);
}

export function passFail(pass: boolean, reason: string): GradingResult {
  return { pass, score: pass ? 1 : 0, reason };
}

/** Shortens long outputs in reasons. */
export function quote(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, " ");
  return JSON.stringify(flat.length > max ? `${flat.slice(0, max)}…` : flat);
}

/** A string or a list of strings, as most text assertions accept. */
export function asStringList(value: unknown): string[] | null {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value as string[];
  return null;
}
