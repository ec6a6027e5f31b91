// MinHash signatures by one-permutation hashing with optimal densification (Li, Owen & Zhang 2012;
// Shrivastava 2017): each shingle is hashed once and falls into one of k bins, whose minimum is
// that bin's signature value; empty bins borrow from a bin chosen by a hash shared by all
// documents, which keeps P(sig_a[i] = sig_b[i]) = Jaccard(a, b). Cost O(shingles + k) per
// document, instead of O(shingles × k) for k independent permutations.
// Shingles: character n-grams for CJK text (no word boundaries), word n-grams otherwise;
// whitespace, punctuation and case are ignored either way.

import { isCjk, isContent } from "./chars.js";
import { combine32, fmix32 } from "./hash.js";

export type ShingleMode = "auto" | "chars" | "words";

export interface MinHashOptions {
  /** Signature length k (bins). */
  numPerm: number;
  /** Character n-gram length for CJK / `chars` mode. */
  charNgram: number;
  /** Word n-gram length for `words` mode. */
  wordNgram: number;
  mode: ShingleMode;
  seed: number;
}

export const DEFAULT_MINHASH: MinHashOptions = { numPerm: 128, charNgram: 5, wordNgram: 3, mode: "auto", seed: 1 };

const TWO_POW_32 = 4294967296;
const BASE = 0x01000193; // FNV prime: odd, so multiplication by it is invertible mod 2^32

// Scratch buffers reused across calls (documents are processed one at a time); typed arrays
// because pushing into a fresh number[] per document costs ~5× the hashing itself.
let codes = new Uint16Array(1 << 16);
let wordHashes = new Uint32Array(1 << 14);
let shingleOut = new Uint32Array(1 << 16);

/** The text's shingle hashes as a new array (duplicates included). */
export function shingles(text: string, options: MinHashOptions): number[] {
  return Array.from(shingleHashes(text, options));
}

/**
 * The 32-bit hashes of the text's shingles (duplicates included), as a view of a scratch buffer
 * that the next call overwrites.
 * One pass collects the content characters and the word hashes; CJK text (Han, kana and Hangul
 * weighted 2.5× against other letters, as in language identification) gets character n-grams by
 * a rolling polynomial hash, other text word n-grams.
 */
export function shingleHashes(text: string, options: MinHashOptions): Uint32Array {
  const lower = text.toLowerCase();
  const n = lower.length;
  if (codes.length < n) codes = new Uint16Array(n * 2);
  if (wordHashes.length < n / 2 + 1) wordHashes = new Uint32Array(n);
  if (shingleOut.length < n + 1) shingleOut = new Uint32Array(n * 2);
  const out = shingleOut;
  let len = 0;
  let cjk = 0;
  let words = 0;
  let wh = 0;
  let inWord = false;
  for (let i = 0; i < n; i++) {
    const c = lower.charCodeAt(i);
    if (isContent(c)) {
      codes[len++] = c;
      if (isCjk(c)) cjk++;
      wh = inWord ? Math.imul(wh ^ c, BASE) : Math.imul(options.seed ^ c, BASE);
      inWord = true;
    } else if (inWord) {
      wordHashes[words++] = fmix32(wh);
      inWord = false;
    }
  }
  if (inWord) wordHashes[words++] = fmix32(wh);
  if (len === 0) return out.subarray(0, 0);
  const chars = options.mode === "chars" || (options.mode === "auto" && cjk * 2.5 >= len - cjk);
  if (chars) {
    const k = options.charNgram;
    if (len <= k) {
      let h = options.seed;
      for (let i = 0; i < len; i++) h = Math.imul(h, BASE) + codes[i]!;
      out[0] = h >>> 0;
      return out.subarray(0, 1);
    }
    // Rolling hash of the last k characters: h = Σ c_i·B^(k−1−i) mod 2^32.
    let top = 1; // B^(k−1)
    for (let i = 1; i < k; i++) top = Math.imul(top, BASE);
    let h = 0;
    for (let i = 0; i < k; i++) h = (Math.imul(h, BASE) + codes[i]!) | 0;
    out[0] = h ^ options.seed;
    for (let i = k; i < len; i++) {
      h = (Math.imul(h - Math.imul(codes[i - k]!, top), BASE) + codes[i]!) | 0;
      out[i - k + 1] = h ^ options.seed;
    }
    return out.subarray(0, len - k + 1);
  }
  const k = options.wordNgram;
  if (words <= k) {
    let h = options.seed ^ 0x2f;
    for (let i = 0; i < words; i++) h = combine32(h, wordHashes[i]!);
    out[0] = h;
    return out.subarray(0, 1);
  }
  for (let i = 0; i + k <= words; i++) {
    let h = options.seed ^ 0x2f;
    for (let j = 0; j < k; j++) h = combine32(h, wordHashes[i + j]!);
    out[i] = h;
  }
  return out.subarray(0, words - k + 1);
}

export class MinHasher {
  readonly options: MinHashOptions;
  private readonly filled: Uint8Array;

  constructor(options: Partial<MinHashOptions> = {}) {
    this.options = { ...DEFAULT_MINHASH, ...options };
    if (!Number.isInteger(this.options.numPerm) || this.options.numPerm < 2) throw new Error("numPerm must be ≥ 2");
    this.filled = new Uint8Array(this.options.numPerm);
  }

  /** The signature, or null when the text has no shingles (empty, or only punctuation). */
  signature(text: string): Uint32Array | null {
    const hashes = shingleHashes(text, this.options);
    return hashes.length === 0 ? null : this.fromShingles(hashes);
  }

  fromShingles(hashes: ArrayLike<number>): Uint32Array {
    const k = this.options.numPerm;
    const seed = this.options.seed;
    const sig = new Uint32Array(k);
    const filled = this.filled;
    filled.fill(0);
    for (let i = 0; i < hashes.length; i++) {
      const h = fmix32(hashes[i]! ^ seed);
      const bin = Math.floor((h * k) / TWO_POW_32);
      if (!filled[bin] || h < sig[bin]!) {
        sig[bin] = h;
        filled[bin] = 1;
      }
    }
    // Optimal densification: an empty bin i takes the value of the first non-empty bin in a
    // pseudo-random probe sequence that depends only on (i, attempt), the same for every document.
    for (let i = 0; i < k; i++) {
      if (filled[i]) continue;
      for (let attempt = 1; ; attempt++) {
        const j = fmix32(combine32(i ^ 0x5bd1e995, attempt + seed)) % k;
        if (filled[j]) {
          sig[i] = sig[j]!;
          break;
        }
      }
    }
    return sig;
  }
}

/** Exact Jaccard similarity of two texts' shingle sets (for tests and calibration). */
export function exactJaccard(a: string, b: string, options: MinHashOptions = DEFAULT_MINHASH): number {
  const sa = new Set(shingles(a, options));
  const sb = new Set(shingles(b, options));
  if (sa.size === 0 && sb.size === 0) return 1;
  let inter = 0;
  for (const x of sa) if (sb.has(x)) inter++;
  return inter / (sa.size + sb.size - inter);
}
