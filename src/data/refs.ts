// Dataset references as users type them: `name` (latest), `name@3`, `name@latest`.
import { invalidRequest } from "../errors.js";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$/;

export interface DatasetRef {
  name: string;
  /** null: the latest version. */
  version: number | null;
}

export function assertDatasetName(name: string): string {
  if (!NAME.test(name) || name.includes("..")) {
    throw invalidRequest(
      `Invalid dataset name '${name}': use 1–128 letters, digits, '.', '_', '-' or '/', starting with a letter or digit.`,
      "name",
    );
  }
  return name;
}

export function parseDatasetRef(ref: string): DatasetRef {
  const at = ref.lastIndexOf("@");
  if (at === -1) return { name: assertDatasetName(ref), version: null };
  const name = assertDatasetName(ref.slice(0, at));
  const selector = ref.slice(at + 1);
  if (selector === "latest") return { name, version: null };
  const version = Number(selector.replace(/^v/i, ""));
  if (!/^v?\d+$/i.test(selector) || !Number.isSafeInteger(version) || version < 1) {
    throw invalidRequest(
      `Invalid dataset version '${selector}' in '${ref}': use name@N (N = 1, 2, …) or name@latest.`,
      "dataset",
    );
  }
  return { name, version };
}

export function formatDatasetRef(name: string, version: number): string {
  return `${name}@${version}`;
}
