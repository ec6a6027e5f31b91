// is-json: the output (trimmed) parses as JSON. A fenced ```json block is accepted when it is the
// whole output, since chat models wrap JSON that way; anything around the JSON fails.
import { z } from "zod";
import type { Assertion } from "../types.js";
import { parseSpec, passFail } from "./helpers.js";

const schema = z.object({});

/** The JSON value in an output, or an error message. */
export function parseJsonOutput(output: string): { ok: true; value: unknown } | { ok: false; error: string } {
  let text = output.trim();
  const fenced = /^```(?:json)?\s*\n([\s\S]*?)\n?```$/i.exec(text);
  if (fenced) text = (fenced[1] as string).trim();
  if (text === "") return { ok: false, error: "the output is empty" };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, error: `the output is not JSON (${(error as Error).message})` };
  }
}

export const isJson: Assertion<Record<string, never>> = {
  type: "is-json",
  description: "output is valid JSON (optionally inside one ```json fence)",
  parse: (spec) => parseSpec("is-json", schema, spec) as Record<string, never>,
  evaluate(_config, { output }) {
    const parsed = parseJsonOutput(output);
    return parsed.ok ? passFail(true, "output is valid JSON") : passFail(false, parsed.error);
  },
};
