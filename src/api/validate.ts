import type { z } from "zod";
import { invalidRequest } from "../errors.js";

/** Parses a body or query with zod; the first problem becomes a 400 naming the field. */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown, what = "body"): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join(".");
  throw invalidRequest(`${what}${field ? `.${field}` : ""}: ${issue.message}`, field || undefined);
}
