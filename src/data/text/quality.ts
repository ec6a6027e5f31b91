// Text quality measures in the style of Gopher's rules (Rae et al. 2021, appendix A): symbol and
// word-shape ratios, duplicated lines and paragraphs, and n-gram repetition. Words are runs of
// letters/digits, except that each Han or kana character is a word of its own (Chinese and
// Japanese have no spaces), so the same measures work on zh and en.
// Everything is computed in one scan per text into reusable typed arrays (no per-word strings,
// no \p{…} regexes, no Maps): this runs on every row of a corpus.
import { isContent } from "./chars.js";

const MAX_TOKENS = 100_000;
const BASE = 0x01000193;

function isHanKana(c: number): boolean {
  return (
    (c >= 0x4e00 && c <= 0x9fff) ||
    (c >= 0x3040 && c <= 0x30ff) ||
    (c >= 0x3400 && c <= 0x4dbf) ||
    (c >= 0xf900 && c <= 0xfaff)
  );
}

function isDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 0xff10 && c <= 0xff19);
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13 || c === 0x3000 || c === 0xa0 || c === 0x0b || c === 0x0c;
}

/** Words of the last `tokenize` call (scratch, overwritten by the next call). */
interface Tokens {
  count: number;
  hashes: Uint32Array;
  lengths: Uint32Array;
  /** Words with at least one letter. */
  alpha: number;
  /** Words that are not single Han/kana characters, and their total length. */
  spaced: number;
  spacedChars: number;
}

const tokens: Tokens = {
  count: 0,
  hashes: new Uint32Array(1 << 14),
  lengths: new Uint32Array(1 << 14),
  alpha: 0,
  spaced: 0,
  spacedChars: 0,
};

function tokenize(text: string, limit: number): Tokens {
  const max = Math.min(limit, text.length);
  if (tokens.hashes.length < max) {
    tokens.hashes = new Uint32Array(max * 2);
    tokens.lengths = new Uint32Array(max * 2);
  }
  const { hashes, lengths } = tokens;
  let n = 0;
  let alpha = 0;
  let spaced = 0;
  let spacedChars = 0;
  let inWord = false;
  let h = 0;
  let len = 0;
  let letter = false;
  const close = () => {
    hashes[n] = h >>> 0;
    lengths[n] = len;
    n++;
    spaced++;
    spacedChars += len;
    if (letter) alpha++;
    inWord = false;
  };
  for (let i = 0; i < text.length && n < limit; i++) {
    const c = text.charCodeAt(i);
    if (isHanKana(c)) {
      if (inWord) close();
      if (n >= limit) break;
      hashes[n] = Math.imul(c ^ 0x9e3779b9, BASE) >>> 0;
      lengths[n] = 1;
      n++;
      alpha++;
    } else if (isContent(c)) {
      if (!inWord) {
        inWord = true;
        h = 0x811c9dc5;
        len = 0;
        letter = false;
      }
      h = Math.imul(h ^ c, BASE);
      len++;
      if (!letter && !isDigit(c)) letter = true;
    } else if (inWord) close();
  }
  if (inWord && n < limit) close();
  tokens.count = n;
  tokens.alpha = alpha;
  tokens.spaced = spaced;
  tokens.spacedChars = spacedChars;
  return tokens;
}

export function countWords(text: string): number {
  return tokenize(text, Number.MAX_SAFE_INTEGER).count;
}

export interface QualityMetrics {
  chars: number;
  words: number;
  /** Mean length of words that are not single Han/kana characters (NaN when there are none). */
  meanWordLength: number;
  /** Share of non-space characters that are neither letters nor digits. */
  symbolRatio: number;
  /** ('#' + '...' + '…') per word. */
  hashEllipsisPerWord: number;
  /** Share of words with at least one letter. */
  alphaWordFraction: number;
  /** Share of words that are single Han/kana characters. */
  cjkWordFraction: number;
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
  let nonSpace = 0;
  let content = 0;
  let hashes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) continue;
    nonSpace++;
    if (isContent(c)) content++;
    else if (c === 35 || c === 0x2026)
      hashes++; // # and …
    else if (c === 46 && text.charCodeAt(i + 1) === 46 && text.charCodeAt(i + 2) === 46) {
      hashes++;
      i += 2;
      nonSpace += 2;
    }
  }
  const t = tokenize(text, MAX_TOKENS);
  const lines = text.split("\n").filter((l) => l.trim().length > 0);
  const paragraphs = text.split(/\n\s*\n/).filter((p) => p.trim().length > 0);
  let bullet = 0;
  let ellipsis = 0;
  for (const line of lines) {
    if (/^\s*[•·\-*‣◦▪●]/.test(line)) bullet++;
    if (/(\.\.\.|…)\s*$/.test(line)) ellipsis++;
  }
  const [dupLines, dupLineChars] = duplicates(lines);
  const [dupParas, dupParaChars] = duplicates(paragraphs);
  const totalLineChars = lines.reduce((s, l) => s + l.length, 0) || 1;
  const totalParaChars = paragraphs.reduce((s, p) => s + p.length, 0) || 1;
  const words = t.count;
  return {
    chars: text.length,
    words,
    meanWordLength: t.spaced ? t.spacedChars / t.spaced : Number.NaN,
    symbolRatio: nonSpace ? 1 - content / nonSpace : 0,
    hashEllipsisPerWord: words ? hashes / words : hashes > 0 ? 1 : 0,
    alphaWordFraction: words ? t.alpha / words : 0,
    cjkWordFraction: words ? (words - t.spaced) / words : 0,
    bulletLineFraction: lines.length ? bullet / lines.length : 0,
    ellipsisLineFraction: lines.length ? ellipsis / lines.length : 0,
    dupLineFraction: lines.length ? dupLines / lines.length : 0,
    dupLineCharFraction: dupLineChars / totalLineChars,
    dupParagraphFraction: paragraphs.length ? dupParas / paragraphs.length : 0,
    dupParagraphCharFraction: dupParaChars / totalParaChars,
    ...ngramRepetition(t),
  };
}

/** [count of items that repeat an earlier item, their characters]. */
function duplicates(items: string[]): [number, number] {
  if (items.length < 2) return [0, 0];
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

/**
 * Open addressing from n-gram hash to a value, cleared in O(1) by bumping a generation stamp;
 * one table is reused for every n of every text.
 */
class GramTable {
  keys = new Uint32Array(1 << 12);
  values = new Uint32Array(1 << 12);
  stamps = new Uint32Array(1 << 12);
  generation = 0;
  mask = (1 << 12) - 1;

  reset(size: number): void {
    let capacity = this.keys.length;
    while (capacity < size * 2) capacity *= 2;
    if (capacity !== this.keys.length) {
      this.keys = new Uint32Array(capacity);
      this.values = new Uint32Array(capacity);
      this.stamps = new Uint32Array(capacity);
      this.generation = 0;
    }
    this.mask = capacity - 1;
    this.generation++;
    if (this.generation === 0xffffffff) {
      this.stamps.fill(0);
      this.generation = 1;
    }
  }

  /** The slot of `key` (found, or the empty slot where it goes) and whether it was found. */
  slot(key: number): number {
    let s = (Math.imul(key, 0x9e3779b1) >>> 0) & this.mask;
    while (this.stamps[s] === this.generation) {
      if (this.keys[s] === key) return s;
      s = (s + 1) & this.mask;
    }
    return ~s;
  }

  claim(slot: number, key: number, value: number): void {
    this.stamps[slot] = this.generation;
    this.keys[slot] = key;
    this.values[slot] = value;
  }
}

const table = new GramTable();
let covered = new Uint8Array(1 << 14);

function ngramRepetition(t: Tokens): Pick<QualityMetrics, "topNgramCharFraction" | "dupNgramCharFraction"> {
  const top: Record<number, number> = {};
  const dup: Record<number, number> = {};
  const n = t.count;
  const { hashes, lengths } = t;
  let total = 0;
  for (let i = 0; i < n; i++) total += lengths[i]!;
  // A repeated n-gram contains a repeated (n−1)-gram, so once some n has no repeats, no larger n has.
  let repeats = true;
  for (const size of [2, 3, 4]) {
    top[size] = 0;
    if (!repeats || n < size || total === 0) continue;
    table.reset(n);
    let best = 0;
    let bestAt = 0;
    const grams = rolling(hashes, n, size);
    for (let i = 0; i + size <= n; i++) {
      const h = grams[i]!;
      let s = table.slot(h);
      if (s < 0) {
        s = ~s;
        table.claim(s, h, 0);
      }
      const c = ++table.values[s]!;
      if (c > best) {
        best = c;
        bestAt = i;
      }
    }
    repeats = best > 1;
    if (best > 1) {
      let gramChars = 0;
      for (let j = bestAt; j < bestAt + size; j++) gramChars += lengths[j]!;
      top[size] = Math.min(1, (best * gramChars) / total);
    }
  }
  if (covered.length < n) covered = new Uint8Array(n * 2);
  for (let size = 5; size <= 10; size++) {
    dup[size] = 0;
    if (!repeats || n < size || total === 0) continue;
    table.reset(n);
    covered.fill(0, 0, n);
    const grams = rolling(hashes, n, size);
    for (let i = 0; i + size <= n; i++) {
      const h = grams[i]!;
      const s = table.slot(h);
      if (s < 0) table.claim(~s, h, i);
      else {
        const at = table.values[s]!;
        for (let j = i; j < i + size; j++) covered[j] = 1;
        for (let j = at; j < at + size; j++) covered[j] = 1;
      }
    }
    let chars = 0;
    for (let i = 0; i < n; i++) if (covered[i]) chars += lengths[i]!;
    dup[size] = chars / total;
    repeats = chars > 0;
  }
  return { topNgramCharFraction: top, dupNgramCharFraction: dup };
}

let gramScratch = new Uint32Array(1 << 14);

/** Hashes of every `size`-gram of the word hashes, by a rolling polynomial hash (O(1) per position). */
function rolling(hashes: Uint32Array, n: number, size: number): Uint32Array {
  if (gramScratch.length < n) gramScratch = new Uint32Array(n * 2);
  const out = gramScratch;
  let top = 1; // BASE^(size−1)
  for (let i = 1; i < size; i++) top = Math.imul(top, BASE);
  let h = 0;
  for (let i = 0; i < size; i++) h = (Math.imul(h, BASE) + hashes[i]!) | 0;
  out[0] = h ^ size;
  for (let i = size; i < n; i++) {
    h = (Math.imul(h - Math.imul(hashes[i - size]!, top), BASE) + hashes[i]!) | 0;
    out[i - size + 1] = h ^ size;
  }
  return out;
}
