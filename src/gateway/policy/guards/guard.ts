// The guardrail contract: one check over the texts of a request or an answer. Each check is one file
// (pii, injection, size, banned-terms); the input and output stages run the configured ones in order
// and apply each one's action: log (record only), mask (rewrite the text, where the check can) or
// block (answer 400 with the reason).

export type GuardAction = "log" | "mask" | "block";

export interface Finding {
  /** Why, for the client's error message and the audit log. Never contains the matched value itself. */
  reason: string;
}

export interface Guard {
  /** "pii", "injection", "size", "banned_terms". */
  readonly name: string;
  readonly action: GuardAction;
  /** Looks at all texts together (e.g. a size limit sums them); undefined when nothing is wrong. */
  inspect(texts: readonly string[]): Finding | undefined;
  /** The text with what this check objects to replaced; only checks that can mask have it. */
  mask?(text: string): string;
}
