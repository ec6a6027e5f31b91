// Model references as users type them: `name`, `name@3`, `name@production`, `name@latest`.
import { invalidRequest } from "../errors.js";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/;
const ALIAS = /^[a-z][a-z0-9_-]{0,62}$/;
/** Computed by the registry, so it cannot be assigned. */
export const RESERVED_ALIASES = new Set(["latest"]);
export const DEFAULT_ALIAS = "production";

export type ModelRef =
  | { name: string; kind: "version"; version: number }
  | { name: string; kind: "alias"; alias: string }
  /** A bare name: the caller decides (the gateway means `production`, `models show` means the whole model). */
  | { name: string; kind: "bare" };

export function assertModelName(name: string): string {
  if (!NAME.test(name) || name.includes("..")) {
    throw invalidRequest(
      `Invalid model name '${name}': use 1–128 letters, digits, '.', '_', '-' or '/', starting with a letter or digit.`,
      "name",
    );
  }
  return name;
}

export function assertAlias(alias: string, options: { assignable?: boolean } = {}): string {
  if (!ALIAS.test(alias)) {
    throw invalidRequest(
      `Invalid alias '${alias}': use lowercase letters, digits, '_' or '-', starting with a letter (e.g. production, staging).`,
      "alias",
    );
  }
  if (options.assignable && RESERVED_ALIASES.has(alias)) {
    throw invalidRequest(`The alias '${alias}' is computed by the registry and cannot be assigned.`, "alias");
  }
  return alias;
}

export function parseVersion(text: string): number {
  const version = Number(text.replace(/^v/i, ""));
  if (!/^v?\d+$/i.test(text) || !Number.isSafeInteger(version) || version < 1) {
    throw invalidRequest(`Invalid version '${text}': versions are positive integers (1, 2, …).`, "version");
  }
  return version;
}

export function parseModelRef(ref: string): ModelRef {
  const at = ref.lastIndexOf("@");
  if (at === -1) return { name: assertModelName(ref), kind: "bare" };
  const name = assertModelName(ref.slice(0, at));
  const selector = ref.slice(at + 1);
  if (/^v?\d+$/i.test(selector)) return { name, kind: "version", version: parseVersion(selector) };
  return { name, kind: "alias", alias: assertAlias(selector) };
}

export function formatRef(name: string, version: number): string {
  return `${name}@${version}`;
}
