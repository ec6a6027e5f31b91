// PII guardrail: the data module's detectors (checksums, formats, context heuristics). Masking replaces
// each value by its type label ("[EMAIL]"); the reason lists types and counts, never the values.
import { detectPii, isPiiType, type PiiType, redactText } from "../../../data/pii/index.js";
import { invalidRequest } from "../../../errors.js";
import type { Finding, Guard, GuardAction } from "./guard.js";

export interface PiiGuardOptions {
  action: GuardAction;
  types?: readonly string[] | undefined;
  minScore: number;
}

export class PiiGuard implements Guard {
  readonly name = "pii";
  readonly action: GuardAction;
  private readonly options: { types?: readonly PiiType[]; minScore: number };

  constructor(options: PiiGuardOptions) {
    this.action = options.action;
    const types = options.types?.map((type) => {
      const upper = type.toUpperCase();
      if (!isPiiType(upper)) throw invalidRequest(`guardrails: unknown PII type '${type}'`, "guardrails.pii.types");
      return upper;
    });
    this.options = types === undefined ? { minScore: options.minScore } : { types, minScore: options.minScore };
  }

  inspect(texts: readonly string[]): Finding | undefined {
    const counts = new Map<string, number>();
    for (const text of texts) {
      for (const found of detectPii(text, this.options)) counts.set(found.type, (counts.get(found.type) ?? 0) + 1);
    }
    if (counts.size === 0) return undefined;
    const list = [...counts].map(([type, n]) => (n === 1 ? type : `${type}×${n}`)).join(", ");
    return { reason: `personal data found (${list})` };
  }

  mask(text: string): string {
    const found = detectPii(text, this.options);
    return found.length === 0 ? text : redactText(text, found, "mask").text;
  }
}
