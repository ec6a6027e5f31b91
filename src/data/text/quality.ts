// Text quality measures in the style of Gopher's rules (Rae et al. 2021, appendix A): symbol and
// word-shape ratios, duplicated lines and paragraphs, and n-gram repetition. Words are runs of
// letters/digits, except that each Han or kana character is a word of its own (Chinese and
// Japanese have no spaces), so the same measures work on zh and en.
import { combine32, hashString32 } from "./hash.js";

const CJK = "\\p{sc=Han}\\p{sc=Hiragana}\\p{sc=Katakana}";
// The v flag allows set subtraction: letters/digits that are not CJK.
const TOKEN = new RegExp(`[${CJK}]|[[\\p{L}\\p{N}\\p{M}]--[${CJK}]]+`, "gv");
const HAS_LETTER = /\p{L}/u;
const MAX_TOKENS = 100_000;

export function countWords(text: string): number {
  let n = 0;
  TOKEN.lastIndex = 0;
  while (TOKEN.exec(text) !== null) n++;
  return n;
}

export function words(text: string, limit = Number.POSITIVE_INFINITY): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (out.length < limit) {
    const m = TOKEN.exec(text);
    if (m === null) break;
    out.push(m[0]);
  }
  return out;
}

export interface QualityMetrics {
  chars: number;
  words: number;
  /** Mean length of non-CJK words (NaN when there are none). */
  meanWordLength: number;
  /** Share of non-space characters that are neither letters nor digits. */
  symbolRatio: number;
  /** ('#' + '...' + '…') per word. */
  hashEllipsisPerWord: number;
  /** Share of words with at least one letter. */
  alphaWordFraction: number;
  bulletLineFraction: number;
  ellipsisLineFraction: number;
  dupLineFraction: number;
  dupLineCharFraction: number;
  dupParagraphFraction: number;
  dupParagraphCharFraction: number;
  /** n → characters covered by the most frequent n-gram / all word characters (n = 2, 3, 4). */
  topNgramCharFraction: Record<number, number>;
  /** n → characters inside n-grams that occur more than once / all word characters (n = 5 … 10). */
  dupNgramCharFraction: Record<number, number>;
}

export function qualityMetrics(text: string): QualityMetrics {
  const tokens = words(text, MAX_TOKENS);
  let nonSpace = 0;
  let alnum = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10 || c === 9 || c === 13 || c === 0x3000) continue;
    nonSpace++;
    if ((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122)) alnum++;
    else if (c >= 0x80 && isLetterOrDigit(text, i)) alnum++;
  }
  let latinLetters = 0;
  let latinWords = 0;
  let alphaWords = 0;
  for (const w of tokens) {
    if (HAS_LETTER.test(w)) alphaWords++;
    if (w.length > 1 || w.charCodeAt(0) < 0x2e80) {
      latinWords++;
      latinLetters += w.length;
    }
  }
  const hashes = (text.match(/#/g)?.length ?? 0) + (text.match(/\.\.\.|…/g)?.length ?? 0);
  const lines = text.split("\n").filter((l) => l.trim().length > 0);
  const paragraphs = text.split(/\n\s*\n/).filter((p) => p.trim().length > 0);
  const bullet = lines.filter((l) => /^\s*[•·\-*‣◦▪●]/.test(l)).length;
  const ellipsis = lines.filter((l) => /(\.\.\.|…)\s*$/.test(l)).length;
  const [dupLines, dupLineChars] = duplicates(lines);
  const [dupParas, dupParaChars] = duplicates(paragraphs);
  const totalLineChars = lines.reduce((s, l) => s + l.length, 0) || 1;
  const totalParaChars = paragraphs.reduce((s, p) => s + p.length, 0) || 1;
  const ngram = ngramRepetition(tokens);
  return {
    chars: text.length,
    words: tokens.length,
    meanWordLength: latinWords ? latinLetters / latinWords : Number.NaN,
    symbolRatio: nonSpace ? 1 - alnum / nonSpace : 0,
    hashEllipsisPerWord: tokens.length ? hashes / tokens.length : hashes > 0 ? 1 : 0,
    alphaWordFraction: tokens.length ? alphaWords / tokens.length : 0,
    bulletLineFraction: lines.length ? bullet / lines.length : 0,
    ellipsisLineFraction: lines.length ? ellipsis / lines.length : 0,
    dupLineFraction: lines.length ? dupLines / lines.length : 0,
    dupLineCharFraction: dupLineChars / totalLineChars,
    dupParagraphFraction: paragraphs.length ? dupParas / paragraphs.length : 0,
    dupParagraphCharFraction: dupParaChars / totalParaChars,
    ...ngram,
  };
}

const LETTER_OR_DIGIT = /[\p{L}\p{N}\p{M}]/u;

function isLetterOrDigit(text: string, i: number): boolean {
  return LETTER_OR_DIGIT.test(text[i]!);
}

/** [count of items that repeat an earlier item, their characters]. */
function duplicates(items: string[]): [number, number] {
  const seen = new Set<string>();
  let count = 0;
  let chars = 0;
  for (const item of items) {
    const key = item.trim();
    if (seen.has(key)) {
      count++;
      chars += item.length;
    } else seen.add(key);
  }
  return [count, chars];
}

function ngramRepetition(tokens: string[]): Pick<QualityMetrics, "topNgramCharFraction" | "dupNgramCharFraction"> {
  const top: Record<number, number> = {};
  const dup: Record<number, number> = {};
  const n = tokens.length;
  const hashes = new Uint32Array(n);
  const lengths = new Uint32Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    hashes[i] = hashString32(tokens[i]!);
    lengths[i] = tokens[i]!.length;
    total += lengths[i]!;
  }
  for (const size of [2, 3, 4]) {
    top[size] = 0;
    if (n < size || total === 0) continue;
    const counts = new Map<number, number>();
    let best = 0;
    let bestAt = 0;
    for (let i = 0; i + size <= n; i++) {
      const h = gramHash(hashes, i, size);
      const c = (counts.get(h) ?? 0) + 1;
      counts.set(h, c);
      if (c > best) {
        best = c;
        bestAt = i;
      }
    }
    if (best > 1) {
      let gramChars = 0;
      for (let j = bestAt; j < bestAt + size; j++) gramChars += lengths[j]!;
      top[size] = Math.min(1, (best * gramChars) / total);
    }
  }
  const covered = new Uint8Array(n);
  for (let size = 5; size <= 10; size++) {
    dup[size] = 0;
    if (n < size || total === 0) continue;
    const first = new Map<number, number>();
    covered.fill(0);
    for (let i = 0; i + size <= n; i++) {
      const h = gramHash(hashes, i, size);
      const at = first.get(h);
      if (at === undefined) first.set(h, i);
      else {
        for (let j = i; j < i + size; j++) covered[j] = 1;
        for (let j = at; j < at + size; j++) covered[j] = 1;
      }
    }
    let chars = 0;
    for (let i = 0; i < n; i++) if (covered[i]) chars += lengths[i]!;
    dup[size] = chars / total;
  }
  return { topNgramCharFraction: top, dupNgramCharFraction: dup };
}

function gramHash(hashes: Uint32Array, start: number, size: number): number {
  let h = size;
  for (let j = start; j < start + size; j++) h = combine32(h, hashes[j]!);
  return h;
}
