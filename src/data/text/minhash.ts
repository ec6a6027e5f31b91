// MinHash signatures by one-permutation hashing with optimal densification (Li, Owen & Zhang 2012;
// Shrivastava 2017): each shingle is hashed once and falls into one of k bins, whose minimum is
// that bin's signature value; empty bins borrow from a bin chosen by a hash shared by all
// documents, which keeps P(sig_a[i] = sig_b[i]) = Jaccard(a, b). Cost O(shingles + k) per
// document, instead of O(shingles × k) for k independent permutations.
// Shingles: character n-grams for CJK text (no word boundaries), word n-grams otherwise;
// whitespace, punctuation and case are ignored either way.

import { combine32, fmix32, hashString32 } from "./hash.js";
import { isMostlyCjk } from "./lang.js";

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

const NON_CONTENT = /[\s\p{P}\p{S}\p{C}]+/gu;
const WORD = /[\p{L}\p{N}]+/gu;
const TWO_POW_32 = 4294967296;

/** Appends the 32-bit hashes of the text's shingles to `out` (duplicates included); returns `out`. */
export function shingles(text: string, options: MinHashOptions, out: number[] = []): number[] {
  const lower = text.toLowerCase();
  const chars = options.mode === "chars" || (options.mode === "auto" && isMostlyCjk(lower));
  if (chars) {
    const s = lower.replace(NON_CONTENT, "");
    const n = options.charNgram;
    if (s.length === 0) return out;
    if (s.length <= n) {
      out.push(hashString32(s, options.seed));
      return out;
    }
    for (let i = 0; i + n <= s.length; i++) {
      let h = options.seed;
      for (let j = 0; j < n; j++) h = combine32(h, s.charCodeAt(i + j));
      out.push(h);
    }
    return out;
  }
  const words: number[] = [];
  for (const m of lower.matchAll(WORD)) words.push(hashString32(m[0], options.seed));
  const n = options.wordNgram;
  if (words.length === 0) return out;
  if (words.length <= n) {
    out.push(words.reduce((h, w) => combine32(h, w), options.seed ^ 0x2f));
    return out;
  }
  for (let i = 0; i + n <= words.length; i++) {
    let h = options.seed ^ 0x2f;
    for (let j = 0; j < n; j++) h = combine32(h, words[i + j]!);
    out.push(h);
  }
  return out;
}

export class MinHasher {
  readonly options: MinHashOptions;
  private readonly filled: Uint8Array;
  private readonly buffer: number[] = [];

  constructor(options: Partial<MinHashOptions> = {}) {
    this.options = { ...DEFAULT_MINHASH, ...options };
    if (!Number.isInteger(this.options.numPerm) || this.options.numPerm < 2) throw new Error("numPerm must be ≥ 2");
    this.filled = new Uint8Array(this.options.numPerm);
  }

  /** The signature, or null when the text has no shingles (empty, or only punctuation). */
  signature(text: string): Uint32Array | null {
    const list = this.buffer;
    list.length = 0;
    shingles(text, this.options, list);
    return list.length === 0 ? null : this.fromShingles(list);
  }

  fromShingles(hashes: readonly number[]): Uint32Array {
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
