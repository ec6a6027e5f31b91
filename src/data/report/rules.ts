// Validation rules, written in YAML and checked while rows stream past (by `data report` on a
// stored version, and by a pipeline on its output before the version is recorded):
//
//   rules:
//     - not_null: text                         # or { field: text, max_violations: 3 }
//     - length: { field: text, min: 10, max: 20000, unit: chars }
//     - language_in: { field: text, languages: [zh, en] }
//     - unique: id                             # or { fields: [a, b] }
//     - regex: { field: id, pattern: "^[a-z0-9-]+$" }
//
// Each rule passes while its violations stay within `max_violations` (default 0) and, when set,
// `max_violation_rate` (0–1). A failed rule lists its first examples with their row addresses.
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { invalidRequest } from "../../errors.js";
import { HashSet64, hash64 } from "../text/hash.js";
import { detectLanguage } from "../text/lang.js";
import { countWords } from "../text/quality.js";
import type { JsonValue, Row, RowAddress } from "../types.js";

const tolerance = {
  max_violations: z.number().int().min(0).default(0),
  max_violation_rate: z.number().min(0).max(1).optional(),
};
const field = z.string().min(1);
const shorthand = <T extends z.ZodType>(schema: T) =>
  z.union([field.transform((f) => ({ field: f, max_violations: 0, max_violation_rate: undefined })), schema]);

const ruleSchemas = {
  not_null: z.strictObject({ not_null: shorthand(z.strictObject({ field, ...tolerance })) }),
  length: z.strictObject({
    length: z
      .strictObject({
        field,
        min: z.number().int().min(0).optional(),
        max: z.number().int().min(0).optional(),
        unit: z.enum(["chars", "words"]).default("chars"),
        ...tolerance,
      })
      .refine((o) => o.min !== undefined || o.max !== undefined, "set min, max or both"),
  }),
  language_in: z.strictObject({
    language_in: z.strictObject({
      field: field.optional(),
      /** Read the language from this field when rows have it (e.g. after the `language` step). */
      lang_field: field.default("lang"),
      languages: z.array(z.string().min(2)).min(1),
      ...tolerance,
    }),
  }),
  unique: z.strictObject({
    unique: z.union(
      [
        field.transform((f) => ({ fields: [f], max_violations: 0, max_violation_rate: undefined })),
        z.strictObject({ fields: z.array(field).min(1), ...tolerance }),
        z.strictObject({ field, ...tolerance }).transform(({ field: f, ...limits }) => ({ fields: [f], ...limits })),
      ],
      { error: "give a field name, { field: F } or { fields: [F, …] }" },
    ),
  }),
  regex: z.strictObject({
    regex: z.strictObject({
      field,
      pattern: z.string().min(1),
      flags: z
        .string()
        .regex(/^[imsuv]*$/)
        .default("u"),
      ...tolerance,
    }),
  }),
};
type RuleKind = keyof typeof ruleSchemas;
const RULE_KINDS = Object.keys(ruleSchemas) as RuleKind[];
const ruleSchema = z.union([
  ruleSchemas.not_null,
  ruleSchemas.length,
  ruleSchemas.language_in,
  ruleSchemas.unique,
  ruleSchemas.regex,
]);

export type RuleSpec = z.infer<typeof ruleSchema>;

export interface RuleExample {
  address: RowAddress;
  value: JsonValue;
}

export interface RuleResult {
  rule: string;
  description: string;
  passed: boolean;
  checked: number;
  violations: number;
  examples: RuleExample[];
}

export interface ValidationReport {
  passed: boolean;
  rules: RuleResult[];
}

const MAX_EXAMPLES = 5;

interface Checker {
  readonly name: string;
  readonly description: string;
  readonly limits: { max_violations: number; max_violation_rate?: number | undefined };
  /** Returns the offending value when the row violates the rule, undefined when it passes. */
  check(row: Row): JsonValue | undefined;
}

/** Parses rules from YAML text (a list, or `{ rules: [...] }`); errors name the rule and field. */
export function parseRules(yamlText: string, source = "rules"): RuleSpec[] {
  let doc: unknown;
  try {
    doc = parseYaml(yamlText);
  } catch (error) {
    throw invalidRequest(`${source}: not valid YAML (${(error as Error).message}).`);
  }
  return checkRules(doc, source);
}

export function checkRules(doc: unknown, source = "rules"): RuleSpec[] {
  const list = Array.isArray(doc)
    ? doc
    : typeof doc === "object" && doc !== null && "rules" in doc
      ? (doc as { rules: unknown }).rules
      : doc;
  if (!Array.isArray(list) || list.length === 0) {
    throw invalidRequest(`${source}: write the rules as a list (or under \`rules:\`), e.g. \`- not_null: text\`.`);
  }
  return list.map((item, i) => {
    const at = `${source}: rule ${i + 1}`;
    const keys = typeof item === "object" && item !== null ? Object.keys(item) : [];
    const kind = keys[0];
    if (keys.length !== 1 || !kind || !(RULE_KINDS as string[]).includes(kind)) {
      throw invalidRequest(
        `${at}: ${kind && keys.length === 1 ? `unknown rule '${kind}'` : "write each rule as `- rule: options`"}; ` +
          `rules are ${RULE_KINDS.join(", ")} (see \`llmops data report --help\`).`,
      );
    }
    const parsed = ruleSchemas[kind as RuleKind].safeParse(item);
    if (parsed.success) return parsed.data as RuleSpec;
    const issue = parsed.error.issues.find((x) => x.path.length > 1) ?? parsed.error.issues[0]!;
    const field = issue.path.slice(1).join(".");
    throw invalidRequest(`${at} (${kind}): ${field ? `${field}: ` : ""}${issue.message}.`);
  });
}

export class Validator {
  private readonly checkers: Checker[];
  private readonly results: RuleResult[];

  constructor(rules: RuleSpec[], textField: string) {
    this.checkers = rules.map((rule) => makeChecker(rule, textField));
    this.results = this.checkers.map((c) => ({
      rule: c.name,
      description: c.description,
      passed: true,
      checked: 0,
      violations: 0,
      examples: [],
    }));
  }

  observe(row: Row, address: RowAddress): void {
    for (let i = 0; i < this.checkers.length; i++) {
      const result = this.results[i]!;
      result.checked++;
      const bad = this.checkers[i]!.check(row);
      if (bad === undefined) continue;
      result.violations++;
      if (result.examples.length < MAX_EXAMPLES) result.examples.push({ address: { ...address }, value: preview(bad) });
    }
  }

  report(): ValidationReport {
    const rules = this.results.map((r, i) => {
      const { max_violations, max_violation_rate } = this.checkers[i]!.limits;
      const rate = r.checked ? r.violations / r.checked : 0;
      const passed = r.violations <= max_violations || (max_violation_rate !== undefined && rate <= max_violation_rate);
      return { ...r, passed };
    });
    return { passed: rules.every((r) => r.passed), rules };
  }
}

function makeChecker(spec: RuleSpec, textField: string): Checker {
  if ("not_null" in spec) {
    const o = spec.not_null;
    const f = o.field;
    return {
      name: "not_null",
      description: `${f} is present and not null`,
      limits: limitsOf(o),
      check: (row) => (row[f] === null || row[f] === undefined ? null : undefined),
    };
  }
  if ("length" in spec) {
    const o = spec.length;
    const range = `${o.min ?? 0}…${o.max ?? "∞"} ${o.unit}`;
    return {
      name: "length",
      description: `${o.field} has ${range}`,
      limits: limitsOf(o),
      check: (row) => {
        const v = row[o.field];
        if (typeof v !== "string") return v ?? null;
        const n = o.unit === "words" ? countWords(v) : v.length;
        return (o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max)
          ? `${n} ${o.unit}: ${v}`
          : undefined;
      },
    };
  }
  if ("language_in" in spec) {
    const o = spec.language_in;
    const f = o.field ?? textField;
    const allowed = new Set(o.languages);
    return {
      name: "language_in",
      description: `language of ${f} is one of ${o.languages.join(", ")}`,
      limits: limitsOf(o),
      check: (row) => {
        const stored = row[o.lang_field];
        const text = row[f];
        const lang = typeof stored === "string" ? stored : typeof text === "string" ? detectLanguage(text).lang : "und";
        return allowed.has(lang) ? undefined : `${lang}: ${typeof text === "string" ? text : ""}`;
      },
    };
  }
  if ("unique" in spec) {
    const o = spec.unique;
    const seen = new HashSet64(1 << 12);
    return {
      name: "unique",
      description: `${o.fields.join(" + ")} is unique`,
      limits: limitsOf(o),
      check: (row) => {
        const key = o.fields.map((f) => JSON.stringify(row[f] ?? null)).join("\u0000");
        const [hi, lo] = hash64(key);
        return seen.add(hi, lo) ? undefined : o.fields.length === 1 ? (row[o.fields[0]!] ?? null) : key;
      },
    };
  }
  const o = spec.regex;
  let pattern: RegExp;
  try {
    pattern = new RegExp(o.pattern, o.flags.replace(/[gy]/g, ""));
  } catch (error) {
    throw invalidRequest(`regex rule on ${o.field}: invalid pattern (${(error as Error).message}).`);
  }
  return {
    name: "regex",
    description: `${o.field} matches /${o.pattern}/`,
    limits: limitsOf(o),
    check: (row) => {
      const v = row[o.field];
      return typeof v === "string" && pattern.test(v) ? undefined : (v ?? null);
    },
  };
}

function limitsOf(o: { max_violations: number; max_violation_rate?: number | undefined }) {
  return { max_violations: o.max_violations, max_violation_rate: o.max_violation_rate };
}

function preview(value: JsonValue): JsonValue {
  if (typeof value === "string") return value.length > 120 ? `${value.slice(0, 117)}…` : value;
  if (typeof value === "object" && value !== null) {
    const text = JSON.stringify(value);
    return text.length > 120 ? `${text.slice(0, 117)}…` : value;
  }
  return value;
}
