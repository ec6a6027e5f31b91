// Byte-pair-encoding merge learning over a table of distinct chunks with counts. Each step adds the
// piece that saves the most tokens on the corpus: either the next character (a character without a
// piece costs one token per UTF-8 byte) or a merge of the most frequent adjacent pair of pieces
// (ties: the smaller symbol ids, which are assigned deterministically). So a vocabulary too small
// for every character of a Chinese corpus still learns merges where they pay more than a rare
// character. Pair counts are updated incrementally: a step costs time proportional to the chunks
// that contain the pair, not to the corpus.
import type { PieceGuard } from "./rules.js";

export interface BpeWord {
  /** Symbol ids (indexes into `symbols`); rewritten in place as merges are learned. */
  symbols: number[];
  count: number;
}

export interface BpeOptions {
  /** Texts of the initial symbols (single characters that may get a piece). */
  symbols: string[];
  /**
   * Tokens saved by giving each initial symbol a piece (Infinity: it gets one first). Symbols
   * without a piece yet do not pair.
   */
  gains: number[];
  words: BpeWord[];
  /** How many pieces (characters and merges) to learn at most. */
  maxPieces: number;
  minPairFrequency: number;
  /** Longest piece in code points. */
  maxPieceLength: number;
  guard: PieceGuard;
  /** Called after each piece (character or merge) with the number learned so far. */
  onPiece?: (learned: number) => void;
}

export interface BpeResult {
  /** Characters that got a piece, in the order they got it. */
  characters: string[];
  /** Merged pieces in the order they were learned (the first is the most frequent merge). */
  pieces: string[];
  /** Merges applied, including those that respelled an existing piece from other parts. */
  merges: number;
  /** Pairs refused by the piece guard or the length limit. */
  refused: number;
  /** Text of every symbol id (initial characters, then merged pieces); `words` now hold final ids. */
  symbolTexts: string[];
}

// Pair key: left * KEY_STRIDE + right; exact in a double for up to 2^26 symbols.
const KEY_STRIDE = 2 ** 26;

export function learnBpe(options: BpeOptions): BpeResult {
  const { words, guard } = options;
  const text = [...options.symbols];
  const lengths = text.map((t) => Array.from(t).length);
  const idOf = new Map(text.map((t, i) => [t, i]));
  const active = new Uint8Array(options.symbols.length);
  const isActive = (id: number) => id >= options.symbols.length || active[id] === 1;
  const pairCount = new Map<number, number>();
  const pairWords = new Map<number, number[]>();
  const heap = new PairHeap();
  const refusedKeys = new Set<number>();

  const add = (key: number, delta: number, word: number) => {
    const now = (pairCount.get(key) ?? 0) + delta;
    if (now <= 0) {
      pairCount.delete(key);
      return;
    }
    pairCount.set(key, now);
    if (delta > 0) {
      const list = pairWords.get(key);
      if (!list) pairWords.set(key, [word]);
      else if (list[list.length - 1] !== word) list.push(word);
    }
  };
  const queue = (keys: Iterable<number>) => {
    for (const k of keys) {
      const n = pairCount.get(k);
      if (n !== undefined && !refusedKeys.has(k)) heap.push(n, k);
    }
  };

  // Characters wait for their piece in order of gain; the words each one occurs in, to add its pairs then.
  const pending = options.symbols.map((_, id) => id).sort((x, y) => options.gains[y]! - options.gains[x]! || x - y);
  const wordsWith = new Map<number, number[]>();
  for (let w = 0; w < words.length; w++) {
    for (const id of new Set(words[w]!.symbols)) {
      const list = wordsWith.get(id);
      if (list) list.push(w);
      else wordsWith.set(id, [w]);
    }
  }
  const admit = (id: number) => {
    active[id] = 1;
    const touched = new Set<number>();
    for (const w of wordsWith.get(id) ?? []) {
      const { symbols: s, count } = words[w]!;
      for (let j = 0; j + 1 < s.length; j++) {
        const a = s[j]!;
        const b = s[j + 1]!;
        if ((a === id || b === id) && isActive(a) && isActive(b)) {
          const key = a * KEY_STRIDE + b;
          add(key, count, w);
          touched.add(key);
        }
      }
    }
    wordsWith.delete(id);
    queue(touched);
  };

  const characters: string[] = [];
  const pieces: string[] = [];
  let merges = 0;
  let nextPending = 0;
  const seenInStep = new Int32Array(words.length).fill(-1);
  while (characters.length + pieces.length < options.maxPieces) {
    // The best pair still valid, if any (stale queue entries are dropped or re-queued here).
    let best: { count: number; key: number } | null = null;
    while (heap.size > 0) {
      const top = heap.pop();
      const current = pairCount.get(top.key) ?? 0;
      if (top.count !== current) {
        // The pair lost occurrences since this entry was queued: queue its true count instead.
        if (current > 0 && current < top.count) heap.push(current, top.key);
        continue;
      }
      if (refusedKeys.has(top.key)) continue;
      const a = Math.floor(top.key / KEY_STRIDE);
      const b = top.key - a * KEY_STRIDE;
      if (lengths[a]! + lengths[b]! > options.maxPieceLength || !guard.allows(text[a]! + text[b]!)) {
        refusedKeys.add(top.key);
        continue;
      }
      best = top;
      break;
    }
    const char = nextPending < pending.length ? pending[nextPending]! : -1;
    const pairGain = best && best.count >= options.minPairFrequency ? best.count : 0;
    if (char >= 0 && options.gains[char]! >= pairGain) {
      if (best) heap.push(best.count, best.key);
      nextPending++;
      characters.push(text[char]!);
      admit(char);
      options.onPiece?.(characters.length + pieces.length);
      continue;
    }
    if (pairGain === 0 || !best) break;

    const key = best.key;
    const a = Math.floor(key / KEY_STRIDE);
    const b = key - a * KEY_STRIDE;
    const merged = text[a]! + text[b]!;
    let target = idOf.get(merged);
    if (target === undefined) {
      target = text.length;
      text.push(merged);
      lengths.push(lengths[a]! + lengths[b]!);
      idOf.set(merged, target);
      pieces.push(merged);
      options.onPiece?.(characters.length + pieces.length);
    }
    merges++;

    // Rewrite every chunk that contains the pair, updating the counts of the neighbouring pairs.
    const touched = new Set<number>();
    for (const w of pairWords.get(key) ?? []) {
      if (seenInStep[w] === merges) continue;
      seenInStep[w] = merges;
      const word = words[w]!;
      const s = word.symbols;
      const c = word.count;
      for (let j = 0; j + 1 < s.length; j++) {
        if (s[j] !== a || s[j + 1] !== b) continue;
        if (j > 0 && isActive(s[j - 1]!)) {
          add(s[j - 1]! * KEY_STRIDE + a, -c, w);
          add(s[j - 1]! * KEY_STRIDE + target, c, w);
          touched.add(s[j - 1]! * KEY_STRIDE + target);
        }
        if (j + 2 < s.length && isActive(s[j + 2]!)) {
          add(b * KEY_STRIDE + s[j + 2]!, -c, w);
          add(target * KEY_STRIDE + s[j + 2]!, c, w);
          touched.add(target * KEY_STRIDE + s[j + 2]!);
        }
        add(key, -c, w);
        s[j] = target;
        s.splice(j + 1, 1);
      }
    }
    pairCount.delete(key);
    pairWords.delete(key);
    // New pairs (with the merged symbol) enter the queue once, with their count after this step.
    queue(touched);
  }
  return { characters, pieces, merges, refused: refusedKeys.size, symbolTexts: text };
}

/** Max-heap of (count, pair key): larger count first, then the smaller key. */
class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];

  get size(): number {
    return this.counts.length;
  }

  private before(i: number, j: number): boolean {
    const ci = this.counts[i]!;
    const cj = this.counts[j]!;
    return ci > cj || (ci === cj && this.keys[i]! < this.keys[j]!);
  }

  private swap(i: number, j: number): void {
    const c = this.counts[i]!;
    this.counts[i] = this.counts[j]!;
    this.counts[j] = c;
    const k = this.keys[i]!;
    this.keys[i] = this.keys[j]!;
    this.keys[j] = k;
  }

  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    let i = this.counts.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): { count: number; key: number } {
    const top = { count: this.counts[0]!, key: this.keys[0]! };
    const last = this.counts.length - 1;
    this.swap(0, last);
    this.counts.pop();
    this.keys.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= last) break;
      const r = l + 1;
      const best = r < last && this.before(r, l) ? r : l;
      if (!this.before(best, i)) break;
      this.swap(i, best);
      i = best;
    }
    return top;
  }
}
