// {{var}} templates for prompts and assertion values. Deliberately tiny (no logic, no filters): a
// suite should read the same to everyone. `{{ name }}` and `{{a.b}}` (dotted paths) work; a value
// that is not a string is inserted as JSON; an unknown variable is an error at expansion time, not
// an empty string, so a typo in a suite fails loudly instead of silently testing the wrong prompt.
import { invalidRequest } from "../errors.js";

const VAR = /\{\{\s*([A-Za-z_][\w-]*(?:\.[\w-]+)*)\s*\}\}/g;

function lookup(vars: Record<string, unknown>, path: string): unknown {
  let value: unknown = vars;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object" || !(part in (value as object))) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

export function renderTemplate(template: string, vars: Record<string, unknown>): string {
  return template.replace(VAR, (_match, name: string) => {
    const value = lookup(vars, name);
    if (value === undefined) {
      throw invalidRequest(
        `The template uses {{${name}}} but the test has no variable '${name}'; add it under vars (or defaultTest.vars).`,
      );
    }
    return typeof value === "string" ? value : JSON.stringify(value);
  });
}

/** Renders every string inside a JSON-like value (assertion values: lists, objects). */
export function renderDeep(value: unknown, vars: Record<string, unknown>): unknown {
  if (typeof value === "string") return renderTemplate(value, vars);
  if (Array.isArray(value)) return value.map((v) => renderDeep(v, vars));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderDeep(v, vars)]));
  }
  return value;
}

/** Variables a template uses, for checks at load time. */
export function templateVariables(template: string): string[] {
  return [...template.matchAll(VAR)].map((m) => (m[1] as string).split(".")[0] as string);
}
