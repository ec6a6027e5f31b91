// The PipelineStep contract. A step has a name, zod-validated options and a factory that builds a
// per-run instance; the instance sees rows one at a time and returns the row (rewritten in place
// or replaced) or `drop(reason)`. The runner counts rows in/out and drops per reason for every
// step; `stats()` adds what only the step knows (language mix, token counts, index memory).
// Adding a step: one file in ./steps exporting a PipelineStep, one line in ./registry.ts.
import type { z } from "zod";
import type { JsonValue, Row } from "../types.js";

/** A row the step removes, with the reason counted in lineage (e.g. `near_duplicate`, `language:fr`). */
export class Dropped {
  constructor(readonly reason: string) {}
}

export function drop(reason: string): Dropped {
  return new Dropped(reason);
}

export type StepResult = Row | Dropped;

export interface StepContext {
  /** The field holding the main text (pipeline `text_field`, else the input version's, else `text`). */
  textField: string;
  /** Environment variables (secrets such as the pseudonym key come from here, never from YAML). */
  env: Readonly<Record<string, string | undefined>>;
  /** Path of a registered model's GGUF file (`name@version`), when the caller can resolve models. */
  resolveModelFile?: ((ref: string) => Promise<string>) | undefined;
}

export interface StepInstance {
  /** Sync for speed; may return a promise (e.g. a tokenizer call). Rows are plain JSON objects. */
  process(row: Row): StepResult | Promise<StepResult>;
  /** Step-specific statistics, read after the last row. */
  stats?(): Record<string, JsonValue>;
  /** Releases resources (models, indexes). */
  close?(): Promise<void> | void;
}

export interface PipelineStep<O extends z.ZodType = z.ZodType> {
  name: string;
  /** One line for `llmops data steps`. */
  summary: string;
  /** Strict schema of the options object (unknown keys are errors, so typos fail early). */
  options: O;
  create(options: z.infer<O>, context: StepContext): StepInstance | Promise<StepInstance>;
}

/** Declares a step with its options type inferred from the schema. */
export function defineStep<O extends z.ZodType>(step: PipelineStep<O>): PipelineStep<O> {
  return step;
}

/** The text a step works on: the named field when it is a string, else undefined. */
export function textOf(row: Row, field: string): string | undefined {
  const value = row[field];
  return typeof value === "string" ? value : undefined;
}
