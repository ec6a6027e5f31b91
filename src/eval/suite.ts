// Loading a suite: YAML (or JSON) from a file, or `builtin:NAME` from src/eval/builtin; validated
// with the schema in ./types.ts, then expanded into cases (test × prompt) with rendered prompts and
// parsed assertions. Everything that can be wrong with a suite — a bad field, an unknown assertion
// type, a template variable no test defines, an invalid regex or schema — fails here, before any
// model is called.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { invalidRequest, LlmopsError, notFound } from "../errors.js";
import { parseOrThrow } from "../validation.js";
import { type PreparedAssertion, prepareAssertion } from "./assertions/index.js";
import { builtinSuiteNames, loadBuiltinSuite } from "./builtin/index.js";
import { renderDeep, renderTemplate } from "./template.js";
import {
  type BuiltinSuite,
  type GenerationOptions,
  type PromptInput,
  type PromptSpec,
  type Suite,
  suiteSchema,
  type TestSpec,
} from "./types.js";

export interface EvalCase {
  /** Stable id (hash of prompt id, description, vars and assertions): pairs candidate and baseline. */
  caseId: string;
  testIndex: number;
  promptId: string;
  prompt: PromptInput;
  description: string | null;
  category: string | null;
  holdout: boolean;
  vars: Record<string, unknown>;
  metadata: Record<string, unknown>;
  options: GenerationOptions;
  /** Explicit per-test repeat count, if any (wins over --repeat and the suite's). */
  repeat: number | undefined;
  passThreshold: number;
  assertions: PreparedAssertion[];
  needsLogprobs: boolean;
}

export interface LoadedSuite {
  /** File name without extension, or `builtin:NAME`. */
  name: string;
  /** Folder relative paths resolve against (the suite file's folder). */
  baseDir: string;
  suite: Suite;
  /** sha256 of the canonical JSON of the validated suite. */
  hash: string;
  builtin: BuiltinSuite | undefined;
  cases: EvalCase[];
}

export const MAX_SUITE_BYTES = 32 * 1024 * 1024;

/**
 * Reads a suite file (YAML or JSON) or a built-in suite (`builtin:NAME`; `settings` are the
 * user's `--set key=value` options, which built-in suites read when they build themselves).
 */
export async function loadSuite(
  ref: string,
  options: { cwd?: string; settings?: Record<string, string> } = {},
): Promise<LoadedSuite> {
  if (ref.startsWith("builtin:")) {
    const name = ref.slice("builtin:".length);
    const builtin = loadBuiltinSuite(name, options.settings ?? {});
    if (!builtin) {
      const known = builtinSuiteNames();
      throw notFound(
        `There is no built-in suite '${name}'${known.length ? `; built-in suites: ${known.map((n) => `builtin:${n}`).join(", ")}` : ""}.`,
      );
    }
    return prepareSuite(builtin.suite, { name: ref, baseDir: options.cwd ?? process.cwd(), builtin });
  }
  const file = path.resolve(options.cwd ?? process.cwd(), ref);
  let text: string;
  try {
    const buffer = await readFile(file);
    if (buffer.length > MAX_SUITE_BYTES)
      throw invalidRequest(`Suite ${ref} is larger than 32 MiB; split it into several suites.`);
    text = buffer.toString("utf8");
  } catch (error) {
    if (error instanceof LlmopsError) throw error;
    const code = (error as { code?: string }).code;
    if (code === "ENOENT") throw notFound(`Suite file ${ref} does not exist; see examples/evals/ for suites.`);
    throw invalidRequest(`Cannot read suite ${ref} (${(error as Error).message}).`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { prettyErrors: true, maxAliasCount: 1000 });
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` line ${error.linePos[0].line}` : "";
    throw invalidRequest(`Suite ${ref}${where} is not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw invalidRequest(`Suite ${ref} must be a YAML mapping with prompts: and tests: (see examples/evals/).`);
  }
  const suite = parseOrThrow(suiteSchema, raw, `suite ${path.basename(file)}`);
  return prepareSuite(suite, {
    name: path.basename(file).replace(/\.(ya?ml|json)$/i, ""),
    baseDir: path.dirname(file),
  });
}

function promptId(spec: PromptSpec, index: number): string {
  return typeof spec === "object" && spec.id ? spec.id : `prompt-${index + 1}`;
}

function render(spec: PromptSpec, vars: Record<string, unknown>): PromptInput {
  if (typeof spec === "string") return renderTemplate(spec, vars);
  if ("text" in spec) return renderTemplate(spec.text, vars);
  return spec.messages.map((m) => ({ role: m.role, content: renderTemplate(m.content, vars) }));
}

function shortHash(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 16);
}

/** Validates and expands an already-parsed suite (built-in suites and programmatic runs use it directly). */
export function prepareSuite(
  input: Suite,
  options: { name: string; baseDir: string; builtin?: BuiltinSuite | undefined },
): LoadedSuite {
  const suite = parseOrThrow(suiteSchema, input, `suite ${options.name}`);
  const ids = suite.prompts.map(promptId);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate)
    throw invalidRequest(`suite ${options.name}: two prompts have the id '${duplicate}'; ids must be unique.`);
  const defaults: Omit<TestSpec, "holdout"> = suite.defaultTest ?? {};
  const cases: EvalCase[] = [];
  const seen = new Set<string>();
  suite.tests.forEach((test, testIndex) => {
    const where = `suite ${options.name} test ${testIndex + 1}${test.description ? ` (${test.description})` : ""}`;
    const vars = { ...defaults.vars, ...test.vars };
    const specs = [...(defaults.assert ?? []), ...(test.assert ?? [])];
    let assertions: PreparedAssertion[];
    try {
      assertions = specs.map((spec) => {
        const { type, ...rest } = spec;
        // Values are templates too ({{expected}}); javascript files resolve against the suite's folder.
        return prepareAssertion({ ...(renderDeep(rest, vars) as object), type, baseDir: options.baseDir });
      });
    } catch (error) {
      throw invalidRequest(`${where}: ${(error as Error).message}`);
    }
    suite.prompts.forEach((spec, promptIndex) => {
      let prompt: PromptInput;
      try {
        prompt = render(spec, vars);
      } catch (error) {
        throw invalidRequest(`${where}, prompt ${ids[promptIndex]}: ${(error as Error).message}`);
      }
      let caseId = shortHash([ids[promptIndex], test.description ?? null, vars, specs]);
      // Two identical tests are still two cases.
      for (let n = 2; seen.has(caseId); n++) caseId = shortHash([caseId, n]);
      seen.add(caseId);
      cases.push({
        caseId,
        testIndex,
        promptId: ids[promptIndex] as string,
        prompt,
        description: test.description ?? null,
        category: test.category ?? defaults.category ?? null,
        holdout: test.holdout === true,
        vars,
        metadata: { ...defaults.metadata, ...test.metadata },
        options: { ...suite.options, ...defaults.options, ...test.options },
        repeat: test.repeat,
        passThreshold: test.passThreshold ?? defaults.passThreshold ?? 1,
        assertions,
        needsLogprobs: assertions.some((a) => a.needsLogprobs),
      });
    });
  });
  return {
    name: options.name,
    baseDir: options.baseDir,
    suite,
    hash: createHash("sha256").update(JSON.stringify(suite)).digest("hex"),
    builtin: options.builtin,
    cases,
  };
}
