// Pre-tokenisation for training ("llmops-v1"): text is cut into chunks and merges are learned only
// inside a chunk, so pieces never span a word and a space, two scripts, a digit and its neighbour,
// or a line break and text. Encoding needs none of this (llama.cpp's SPM encoder sees the whole
// text); the chunks only decide which pieces can be learned.
//
// Rules, after " " → "▁":
// - a run of letters of one script (Han, Latin, Cyrillic, …; combining marks join the run), a run
//   of other non-space characters (punctuation, symbols, emoji with their joiners) and each single
//   digit is a chunk;
// - a run of "▁" before such a chunk gives it its last "▁" as a prefix ("▁word", as SentencePiece)
//   and stays a chunk of its own otherwise ("▁▁▁" + "▁if");
// - a run of other whitespace (newlines, tabs, …) is a chunk;
// - no chunk is longer than MAX_CHUNK_CODE_POINTS code points.

export const MAX_CHUNK_CODE_POINTS = 64;

const SPACE = 1;
const WHITESPACE = 2;
const MARK = 3;
const DIGIT = 4;
const OTHER = 5;
/** No character has this kind: a chunk of this kind ends at the next character (single digits). */
const CLOSED = 6;
const SCRIPTS = [
  "Han",
  "Hiragana",
  "Katakana",
  "Hangul",
  "Latin",
  "Cyrillic",
  "Greek",
  "Arabic",
  "Hebrew",
  "Thai",
  "Devanagari",
] as const;
const FIRST_SCRIPT = 7;
const OTHER_LETTER = FIRST_SCRIPT + SCRIPTS.length;

const scriptPatterns = SCRIPTS.map((s) => new RegExp(`\\p{Script=${s}}`, "u"));
const bmpKinds = new Uint8Array(0x10000); // 0: not looked up yet
const astralKinds = new Map<number, number>();

function classify(cp: number): number {
  if (cp === 0x2581 || cp === 0x20) return SPACE;
  const ch = String.fromCodePoint(cp);
  if (/\s/u.test(ch)) return WHITESPACE;
  if (/\p{M}/u.test(ch)) return MARK;
  if (/\p{N}/u.test(ch)) return DIGIT;
  if (/\p{L}/u.test(ch)) {
    for (let i = 0; i < scriptPatterns.length; i++) if (scriptPatterns[i]!.test(ch)) return FIRST_SCRIPT + i;
    return OTHER_LETTER;
  }
  return OTHER;
}

function kindOf(cp: number): number {
  if (cp < 0x10000) {
    let k = bmpKinds[cp]!;
    if (k === 0) {
      k = classify(cp);
      bmpKinds[cp] = k;
    }
    return k;
  }
  let k = astralKinds.get(cp);
  if (k === undefined) {
    k = classify(cp);
    astralKinds.set(cp, k);
  }
  return k;
}

/**
 * Calls `emit` with each chunk of `text` (whose spaces are already "▁") in order. Cutting a text
 * just after a line break (before a character that is not whitespace) gives the same chunks as
 * chunking it whole, which is how the trainer streams a file.
 */
export function forEachChunk(text: string, emit: (chunk: string) => void): void {
  let start = 0; // first UTF-16 index of the current chunk
  let kind = 0; // kind of the current chunk; 0 before the first character
  let cps = 0; // code points in the current chunk
  for (let i = 0; i < text.length; ) {
    let cp = text.charCodeAt(i);
    let width = 1;
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = ((cp - 0xd800) << 10) + (low - 0xdc00) + 0x10000;
        width = 2;
      }
    }
    const k = kindOf(cp);
    if (cps >= MAX_CHUNK_CODE_POINTS) {
      emit(text.slice(start, i));
      start = i;
      cps = 0;
      kind = k === MARK ? OTHER : k;
    } else if (k === MARK && kind !== 0) {
      if (kind === SPACE) kind = OTHER; // "▁" + combining mark: no longer a space run
    } else if (k === SPACE || k === WHITESPACE) {
      if (kind !== k) {
        if (i > start) emit(text.slice(start, i));
        start = i;
        cps = 0;
        kind = k;
      }
    } else if (kind === SPACE) {
      // The run's last "▁" (one UTF-16 unit) becomes the prefix of this chunk.
      if (i - 1 > start) emit(text.slice(start, i - 1));
      start = i - 1;
      cps = 1;
      kind = k === DIGIT ? CLOSED : k === MARK ? OTHER : k;
    } else if (k !== kind || k === DIGIT) {
      if (i > start) emit(text.slice(start, i));
      start = i;
      cps = 0;
      kind = k === DIGIT ? CLOSED : k === MARK ? OTHER : k;
    }
    cps++;
    i += width;
  }
  if (text.length > start) emit(text.slice(start));
}
