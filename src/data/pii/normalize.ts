// Length-preserving folding: the NFKC mappings that matter for PII, restricted to those that map one
// UTF-16 code unit to one ASCII code unit. Detectors match against the folded copy and report the
// same indices in the original, so no offset map is needed and the common all-ASCII/CJK case costs a
// single regex test. Deliberately NOT folded (NFKC would): circled/superscript digits, ligatures and
// other compatibility characters that expand to several code units — they are rare in PII.

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

/** Folds `text` to a same-length string (see the module comment); returns `text` itself when nothing folds. */
export function foldWidth(text: string): string {
  if (!FOLDABLE.test(text)) return text;
  return text.replace(FOLDABLE_GLOBAL, foldChar);
}
