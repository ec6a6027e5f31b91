import type { z } from "zod";
import { parseOrThrow } from "../validation.js";

/** Parses a body, query or path with zod (a missing body counts as `{}`); failures are 400s naming the field. */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown, what = "body"): z.output<T> {
  return parseOrThrow(schema, value ?? {}, what);
}
