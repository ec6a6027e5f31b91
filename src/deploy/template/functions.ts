// The template functions Helm charts use most (Go's builtins and the common Sprig ones), with Go's
// argument order: in a pipeline the piped value arrives LAST (`.x | default "a"` = `default "a" .x`).
import { createHash } from "node:crypto";
import { stringify } from "yaml";
import { invalidRequest } from "../../errors.js";

export type TemplateFunction = (...args: unknown[]) => unknown;

function empty(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === "") return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === "object") return Object.keys(value).length === 0;
  return false;
}

function str(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

function toYaml(value: unknown): string {
  if (value === null || value === undefined) return "null";
  // Helm's toYaml has no trailing newline; nindent/indent add the layout.
  return stringify(value, { lineWidth: 0 }).replace(/\n$/, "");
}

function indentLines(spaces: unknown, text: unknown): string {
  const pad = " ".repeat(Number(spaces));
  return str(text)
    .split("\n")
    .map((line) => pad + line)
    .join("\n");
}

/** Go's fmt verbs that charts use: %s %d %v %q %%. */
function printf(format: unknown, ...args: unknown[]): string {
  let i = 0;
  return str(format).replace(/%([sdvq%])/g, (_, verb: string) => {
    if (verb === "%") return "%";
    const arg = args[i++];
    if (verb === "q") return JSON.stringify(str(arg));
    if (verb === "d") return String(Math.trunc(Number(arg)));
    return str(arg);
  });
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return str(a) < str(b) ? -1 : str(a) > str(b) ? 1 : 0;
}

export const HELM_FUNCTIONS: Record<string, TemplateFunction> = {
  // Go builtins
  and: (...args) => args.reduce((acc, v) => (empty(acc) ? acc : v), true),
  or: (...args) => args.find((v) => !empty(v)) ?? args.at(-1),
  not: (v) => empty(v),
  eq: (a, ...rest) => rest.some((b) => a === b),
  ne: (a, b) => a !== b,
  lt: (a, b) => compare(a, b) < 0,
  le: (a, b) => compare(a, b) <= 0,
  gt: (a, b) => compare(a, b) > 0,
  ge: (a, b) => compare(a, b) >= 0,
  len: (v) =>
    typeof v === "string" || Array.isArray(v) ? v.length : v && typeof v === "object" ? Object.keys(v).length : 0,
  index: (collection, ...keys) =>
    keys.reduce<unknown>(
      (acc, key) => (acc !== null && typeof acc === "object" ? (acc as Record<string, unknown>)[str(key)] : undefined),
      collection,
    ),
  print: (...args) => args.map(str).join(""),
  printf,
  // Sprig: defaults and checks
  default: (fallback, value) => (empty(value) ? fallback : value),
  required: (message, value) => {
    if (value === null || value === undefined || value === "") throw invalidRequest(str(message));
    return value;
  },
  empty,
  coalesce: (...args) => args.find((v) => !empty(v)) ?? null,
  ternary: (whenTrue, whenFalse, condition) => (condition ? whenTrue : whenFalse),
  fail: (message) => {
    throw invalidRequest(str(message));
  },
  // strings
  quote: (...args) => args.map((v) => JSON.stringify(str(v))).join(" "),
  squote: (...args) => args.map((v) => `'${str(v)}'`).join(" "),
  upper: (v) => str(v).toUpperCase(),
  lower: (v) => str(v).toLowerCase(),
  title: (v) => str(v).replace(/\b\w/g, (c) => c.toUpperCase()),
  trim: (v) => str(v).trim(),
  trunc: (n, v) => {
    const s = str(v);
    const k = Number(n);
    return k >= 0 ? s.slice(0, k) : s.slice(k);
  },
  trimSuffix: (suffix, v) =>
    str(v).endsWith(str(suffix)) ? str(v).slice(0, -str(suffix).length || undefined) : str(v),
  trimPrefix: (prefix, v) => (str(v).startsWith(str(prefix)) ? str(v).slice(str(prefix).length) : str(v)),
  replace: (from, to, v) => str(v).split(str(from)).join(str(to)),
  contains: (needle, v) => str(v).includes(str(needle)),
  hasPrefix: (prefix, v) => str(v).startsWith(str(prefix)),
  hasSuffix: (suffix, v) => str(v).endsWith(str(suffix)),
  join: (sep, list) => (Array.isArray(list) ? list.map(str).join(str(sep)) : str(list)),
  toString: (v: unknown) => str(v),
  int: (v: unknown) => Math.trunc(Number(v)) || 0,
  b64enc: (v) => Buffer.from(str(v), "utf8").toString("base64"),
  sha256sum: (v) => createHash("sha256").update(str(v)).digest("hex"),
  // layout
  toYaml,
  toJson: (v) => JSON.stringify(v ?? null),
  indent: indentLines,
  nindent: (spaces, text) => `\n${indentLines(spaces, text)}`,
  // collections
  list: (...items) => items,
  dict: (...pairs) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i + 1 < pairs.length; i += 2) out[str(pairs[i])] = pairs[i + 1];
    return out;
  },
  hasKey: (map, key) => map !== null && typeof map === "object" && Object.hasOwn(map, str(key)),
  kindIs: (kind, v) =>
    kind === "map"
      ? v !== null && typeof v === "object" && !Array.isArray(v)
      : kind === "slice"
        ? Array.isArray(v)
        : kind === "string"
          ? typeof v === "string"
          : kind === "bool"
            ? typeof v === "boolean"
            : kind === "int" || kind === "float64"
              ? typeof v === "number"
              : false,
};
