// Pipeline files (YAML):
//
//   name: clean-web                # optional; recorded in lineage
//   input: raw@1                   # optional; `--input` overrides
//   output: clean                  # optional; `--output` overrides (one of them is required)
//   text_field: text               # optional; default: the input version's text field, else `text`
//   encrypt: true                  # optional; encrypt the output at rest (default: as the input)
//   steps:
//     - normalize                  # a step with its default options
//     - near-dedup: { threshold: 0.85 }
//   validate:                      # optional rules (see report/rules.ts) checked on the output;
//     - not_null: text             # a failure registers nothing and exits 1
//
// The file's text and sha256 go into the output version's lineage, so a version always says
// exactly which pipeline made it.
import { createHash } from "node:crypto";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { z } from "zod";
import { invalidRequest } from "../../errors.js";
import { checkRules, type RuleSpec } from "../report/rules.js";
import type { JsonValue } from "../types.js";
import { STEPS } from "./registry.js";
import type { PipelineStep } from "./step.js";

const specSchema = z.strictObject({
  name: z.string().min(1).optional(),
  description: z.string().optional(),
  input: z.string().min(1).optional(),
  output: z.string().min(1).optional(),
  text_field: z.string().min(1).optional(),
  encrypt: z.boolean().optional(),
  steps: z
    .array(z.union([z.string().min(1), z.record(z.string(), z.unknown())]))
    .min(1, "a pipeline needs at least one step"),
  validate: z.unknown().optional(),
});

export interface ParsedStep {
  step: PipelineStep;
  /** Options after validation and defaults. */
  options: Record<string, JsonValue>;
}

export interface ParsedPipeline {
  name: string | null;
  description: string | null;
  input: string | null;
  output: string | null;
  textField: string | null;
  /** Encrypt the output at rest; null: as the input. */
  encrypt?: boolean | null;
  steps: ParsedStep[];
  rules: RuleSpec[] | null;
  yaml: string;
  sha256: string;
}

export function parsePipeline(yamlText: string, source = "pipeline"): ParsedPipeline {
  let doc: unknown;
  try {
    doc = parseYaml(yamlText);
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? `:${error.linePos[0].line}` : "";
    throw invalidRequest(`${source}${where}: not valid YAML (${(error as Error).message.split("\n")[0]}).`);
  }
  const parsed = specSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalidRequest(`${source}: ${issue.path.join(".") || "(top level)"}: ${issue.message}.`);
  }
  const spec = parsed.data;
  const steps = spec.steps.map((entry, i) => parseStep(entry, i, source));
  return {
    name: spec.name ?? null,
    description: spec.description ?? null,
    input: spec.input ?? null,
    output: spec.output ?? null,
    textField: spec.text_field ?? null,
    encrypt: spec.encrypt ?? null,
    steps,
    rules: spec.validate === undefined ? null : checkRules(spec.validate, `${source}: validate`),
    yaml: yamlText,
    sha256: createHash("sha256").update(yamlText).digest("hex"),
  };
}

function parseStep(entry: string | Record<string, unknown>, index: number, source: string): ParsedStep {
  let name: string;
  let raw: unknown;
  if (typeof entry === "string") {
    name = entry;
    raw = {};
  } else {
    const keys = Object.keys(entry);
    if (keys.length !== 1) {
      throw invalidRequest(
        `${source}: steps.${index}: write each step as \`- name\` or \`- name: { options }\` (found keys ${keys.join(", ")}).`,
      );
    }
    name = keys[0]!;
    raw = entry[name] ?? {};
  }
  const step = STEPS.get(name);
  if (!step) {
    throw invalidRequest(
      `${source}: steps.${index}: unknown step '${name}'; available: ${[...STEPS.keys()].join(", ")}.`,
    );
  }
  const options = step.options.safeParse(raw);
  if (!options.success) {
    const issue = options.error.issues[0]!;
    const at = issue.path.length ? `${issue.path.join(".")}: ` : "";
    throw invalidRequest(`${source}: steps.${index} (${name}): ${at}${issue.message}.`);
  }
  return { step, options: options.data as Record<string, JsonValue> };
}
