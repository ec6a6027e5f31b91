// Banned terms: words or phrases (case-insensitive; whole words for terms that start and end with a
// letter or digit, so "ass" does not match "class") or /regular expressions/flags. Masking replaces each
// match with asterisks of the same length.
import { invalidRequest } from "../../../errors.js";
import type { Finding, Guard, GuardAction } from "./guard.js";

const REGEXP_SPECIAL = /[.*+?^${}()|[\]\\]/g;
const WORDLIKE = /^[\p{L}\p{N}]$/u;
// Scripts written without spaces (Chinese, Japanese, Thai…) have no word boundaries to require.
const SPACELESS = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}]/u;

function termPattern(term: string): string {
  const literal = /^\/(.+)\/([a-z]*)$/s.exec(term);
  if (literal !== null) {
    try {
      new RegExp(literal[1]!, "u");
    } catch (error) {
      throw invalidRequest(
        `guardrails: banned term ${term} is not a valid regular expression (${(error as Error).message})`,
        "guardrails.banned_terms.terms",
      );
    }
    return `(?:${literal[1]})`;
  }
  const escaped = term.normalize("NFKC").replace(REGEXP_SPECIAL, "\\$&").replace(/\s+/g, "\\s+");
  const first = term[0] ?? "";
  const last = term[term.length - 1] ?? "";
  const before = WORDLIKE.test(first) && !SPACELESS.test(first) ? "(?<![\\p{L}\\p{N}])" : "";
  const after = WORDLIKE.test(last) && !SPACELESS.test(last) ? "(?![\\p{L}\\p{N}])" : "";
  return `${before}${escaped}${after}`;
}

export class BannedTermsGuard implements Guard {
  readonly name = "banned_terms";
  private readonly pattern: RegExp;

  constructor(
    readonly action: GuardAction,
    terms: readonly string[],
  ) {
    if (terms.length === 0) {
      throw invalidRequest("guardrails: banned_terms needs at least one term in `terms`", "guardrails.banned_terms");
    }
    this.pattern = new RegExp(terms.map(termPattern).join("|"), "giu");
  }

  inspect(texts: readonly string[]): Finding | undefined {
    let matches = 0;
    for (const text of texts) {
      this.pattern.lastIndex = 0;
      const found = text.normalize("NFKC").match(this.pattern);
      if (found !== null) matches += found.length;
    }
    return matches === 0 ? undefined : { reason: `banned term found (${matches} match${matches === 1 ? "" : "es"})` };
  }

  mask(text: string): string {
    return text.normalize("NFKC").replace(this.pattern, (match) => "*".repeat([...match].length));
  }
}
