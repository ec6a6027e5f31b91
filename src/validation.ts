// One way to turn a zod failure into a user-facing error: the first problem becomes an
// `invalid_request` naming the field (`body.messages.0.content: Required`). Used at every
// boundary that reads untrusted input: HTTP bodies and queries, CLI options, API payloads.
import type { z } from "zod";
import { invalidRequest } from "./errors.js";

export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join(".") ?? "";
  throw invalidRequest(`${what}${field ? `.${field}` : ""}: ${issue?.message ?? "invalid value"}`, field || undefined);
}
