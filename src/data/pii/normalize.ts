// Length-preserving folding: the NFKC mappings that matter for PII, restricted to those that map one
// UTF-16 code unit to one ASCII code unit. Detectors match against the folded copy and report the
// same indices in the original, so no offset map is needed and the common all-ASCII/CJK case costs a
// single regex test. Deliberately NOT folded (NFKC would): circled/superscript digits, ligatures and
// other compatibility characters that expand to several code units — they are rare in PII.

import type { TextStats } from "./types.js";

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
 * foldWidth and the TextStats of its result in one pass over `text` (detectPii's per-text setup):
 * full-width ASCII is classified as the ASCII it folds to; the other folds give spaces and dashes,
 * which no statistic counts.
 */
export function foldWithStats(text: string): { norm: string; stats: TextStats } {
  const { stats, foldable } = scan(text);
  return { norm: foldable ? text.replace(FOLDABLE_GLOBAL, foldChar) : text, stats };
}

/** The TextStats of an already folded text (a detector called on its own). */
export function computeTextStats(norm: string): TextStats {
  return scan(norm).stats;
}

function scan(text: string): { stats: TextStats; foldable: boolean } {
  let foldable = false;
  let digits = 0;
  let run = 0;
  let longestDigitRun = 0;
  let colons = 0;
  let hasAt = false;
  let hasDot = false;
  let hasPlus = false;
  let hasHan = false;
  let hasHao = false;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xff01 && c <= 0xff5e) {
      foldable = true;
      c -= 0xfee0;
    }
    if (c >= 48 && c <= 57) {
      digits++;
      if (++run > longestDigitRun) longestDigitRun = run;
      continue;
    }
    run = 0;
    if (c < 0x80) {
      if (c === 58) colons++;
      else if (c === 64) hasAt = true;
      else if (c === 46) hasDot = true;
      else if (c === 43) hasPlus = true;
    } else if (c >= 0x4e00 && c <= 0x9fff) {
      hasHan = true;
      if (c === 0x53f7) hasHao = true;
    } else if (!foldable && isFoldable(c)) {
      foldable = true;
    }
  }
  return {
    stats: { digits, longestDigitRun, colons, hasAt, hasDot, hasPlus, hasHan, hasHao },
    foldable,
  };
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
