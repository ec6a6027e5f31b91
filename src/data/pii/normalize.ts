// Length-preserving folding: the NFKC mappings that matter for PII, restricted to those that map one
// UTF-16 code unit to one ASCII code unit. Detectors match against the folded copy and report the
// same indices in the original, so no offset map is needed and the common all-ASCII/CJK case costs a
// single regex test. Deliberately NOT folded (NFKC would): circled/superscript digits, ligatures and
// other compatibility characters that expand to several code units — they are rare in PII.

import type { DigitStats } from "./types.js";

const FOLDABLE = /[\u00a0\u2000-\u200a\u2010-\u2015\u202f\u205f\u2212\u3000\uff01-\uff5e]/;
const FOLDABLE_GLOBAL = new RegExp(FOLDABLE.source, "g");

function foldChar(ch: string): string {
  const code = ch.charCodeAt(0);
  // Full-width ASCII block: ！(FF01) … ～(FF5E) → ! … ~ (NFKC does exactly this).
  if (code >= 0xff01 && code <= 0xff5e) return String.fromCharCode(code - 0xfee0);
  // Hyphens, dashes and the minus sign read as "-" in phone and card numbers.
  if ((code >= 0x2010 && code <= 0x2015) || code === 0x2212) return "-";
  // Ideographic space, no-break and typographic spaces.
  return " ";
}

/**
 * foldWidth and the digit statistics of its result in one pass over `text` (detectPii's per-text
 * setup): full-width digits are the only characters that fold to digits, so they count as digits here.
 */
export function foldWithDigitStats(text: string): { norm: string; digits: DigitStats } {
  let foldable = false;
  let count = 0;
  let run = 0;
  let longestRun = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 48 && c <= 57) || (c >= 0xff10 && c <= 0xff19)) {
      count++;
      if (++run > longestRun) longestRun = run;
      if (c > 57) foldable = true;
      continue;
    }
    run = 0;
    if (c >= 0xa0 && !foldable && isFoldable(c)) foldable = true;
  }
  return { norm: foldable ? text.replace(FOLDABLE_GLOBAL, foldChar) : text, digits: { count, longestRun } };
}

/** The code units FOLDABLE matches. */
function isFoldable(c: number): boolean {
  return (
    c === 0xa0 ||
    (c >= 0x2000 && c <= 0x200a) ||
    (c >= 0x2010 && c <= 0x2015) ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x2212 ||
    c === 0x3000 ||
    (c >= 0xff01 && c <= 0xff5e)
  );
}

/** Folds `text` to a same-length string (see the module comment); returns `text` itself when nothing folds. */
export function foldWidth(text: string): string {
  if (!FOLDABLE.test(text)) return text;
  return text.replace(FOLDABLE_GLOBAL, foldChar);
}
