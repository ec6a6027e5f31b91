// Our encoder/decoder for a SentencePiece-style vocabulary, written to give exactly the ids of
// llama.cpp's SPM tokenizer (llama-vocab.cpp: llm_tokenizer_spm_session, as called by
// llama_tokenize(add_special = false, parse_special = false)) and the text of llama_detokenize:
//
// 1. Spaces become "▁" (no space is prepended: add_space_prefix = false).
// 2. Every character (code point) is a symbol.
// 3. Every adjacent pair whose concatenation is a vocabulary entry goes into a priority queue keyed
//    by that entry's score (float32); the highest score wins, ties go to the leftmost pair. After a
//    merge the new symbol's pairs with its neighbours are queued; stale pairs are skipped.
// 4. Each final symbol is its token, or -- a character with no piece -- its UTF-8 bytes as
//    <0xHH> tokens (byte fallback). <unk> is never produced.
//
// Control tokens in the text are not parsed (their text is tokenized like any other text).
import { invalidRequest } from "../../errors.js";
import { PairTable } from "./pair-table.js";
import { bytePiece } from "./rules.js";
import { PIECE_TYPE, SPACE_PIECE, type TokenizerData } from "./types.js";
import { toWellFormed } from "./unicode.js";
import { validateTokenizerData } from "./validate.js";

export interface EncodeOptions {
  /** Prepend the BOS token (llama.cpp does when add_special is true and the model asks for it). */
  addBos?: boolean;
  /** Append the EOS token. */
  addEos?: boolean;
}

export interface DecodeOptions {
  /** Render control and unknown tokens as their text (llama.cpp's `special`); by default they are dropped. */
  special?: boolean;
}

const SPACE = 0x20;
const SCRATCH_KEEP = 1 << 20;
const SPACE_CP = SPACE_PIECE.codePointAt(0)!;
const utf8 = new TextEncoder();
// ignoreBOM: keep a leading U+FEFF, which is text like any other here.
const utf8Decoder = new TextDecoder("utf-8", { ignoreBOM: true });

export class SpmTokenizer {
  readonly data: TokenizerData;
  readonly vocabSize: number;
  readonly unkId: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number | null;

  private readonly pieceIds: Map<string, number>;
  private readonly scores: Float32Array;
  /** Symbol id of each BMP code point: its token id, a synthetic id >= vocabSize, or -1. */
  private readonly bmpSymbol: Int32Array;
  private readonly astralSymbol = new Map<number, number>();
  /** (left symbol, right symbol) → id of the token they spell together. */
  private readonly pairs = new PairTable();
  /**
   * Pairs of characters (as symbols) that occur side by side in some piece. Between two characters
   * that never do, no merge can ever cross, so the text is cut there and each part merged on its
   * own: the same result as llama.cpp's one queue for the whole text (merges in different parts
   * never interact, and within a part the order is the same), with small queues.
   */
  private readonly adjacent = new PairTable();
  private readonly byteIds = new Int32Array(256);
  private readonly pieceBytes: Uint8Array[];
  private scratch: SegmentState | null = null;
  private readonly specialBytes: Uint8Array[];

  /** Validates the vocabulary (see validate.ts) and builds the lookup tables. */
  constructor(data: TokenizerData, source = "tokenizer") {
    validateTokenizerData(data, source);
    this.data = data;
    const { pieces, types } = data;
    const n = pieces.length;
    this.vocabSize = n;
    this.unkId = data.special.unk;
    this.bosId = data.special.bos;
    this.eosId = data.special.eos;
    this.padId = data.special.pad;
    this.pieceIds = new Map(pieces.map((p, i) => [p, i]));
    this.scores = Float32Array.from(data.scores); // llama.cpp compares float32 scores
    for (let b = 0; b < 256; b++) this.byteIds[b] = this.pieceIds.get(bytePiece(b))!;

    // Symbols: single characters get their token id when they are a piece; a character that is only
    // part of longer pieces gets a synthetic id so that pairs can still be looked up by number.
    this.bmpSymbol = new Int32Array(0x10000).fill(-1);
    let next = n;
    const symbolOf = (text: string, create: boolean): number => {
      const id = this.pieceIds.get(text);
      if (id !== undefined) return id;
      const cp = text.codePointAt(0)!;
      if (text.length !== (cp > 0xffff ? 2 : 1)) return -1; // several characters but not a piece
      const known = this.lookupSymbol(cp);
      if (known >= 0 || !create) return known;
      this.setSymbol(cp, next);
      return next++;
    };
    for (let id = 0; id < n; id++) {
      const cps = Array.from(pieces[id]!);
      if (cps.length === 1) this.setSymbol(cps[0]!.codePointAt(0)!, id);
    }
    for (const piece of pieces) for (const ch of piece) symbolOf(ch, true);
    for (let id = 0; id < n; id++) {
      const cps = Array.from(pieces[id]!);
      for (let k = 1; k < cps.length; k++) {
        const left = symbolOf(cps.slice(0, k).join(""), false);
        const right = symbolOf(cps.slice(k).join(""), false);
        if (left >= 0 && right >= 0) this.pairs.set(left, right, id);
        this.adjacent.set(symbolOf(cps[k - 1]!, false), symbolOf(cps[k]!, false), 1);
      }
    }

    this.pieceBytes = pieces.map((piece, id) => {
      const type = types[id];
      if (type === PIECE_TYPE.BYTE) return Uint8Array.of(Number.parseInt(piece.slice(3, 5), 16));
      if (type === PIECE_TYPE.NORMAL) return utf8.encode(piece.replaceAll(SPACE_PIECE, " "));
      return new Uint8Array(0); // control/unknown: dropped unless asked for
    });
    this.specialBytes = pieces.map((piece, id) =>
      types[id] === PIECE_TYPE.CONTROL || types[id] === PIECE_TYPE.UNKNOWN ? utf8.encode(piece) : this.pieceBytes[id]!,
    );
  }

  /** Token ids of `text`, exactly as llama.cpp's `llama_tokenize(text, add_special=false, parse_special=false)`. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const out: number[] = [];
    if (options.addBos) out.push(this.bosId);
    if (text.length > 0) {
      this.encodeInto(toWellFormed(text), out);
      // Keep work arrays for ordinary texts only; a huge one should not pin its memory.
      if (this.scratch && (this.scratch.sym.length > SCRATCH_KEEP || this.scratch.heap.capacity > SCRATCH_KEEP)) {
        this.scratch = null;
      }
    }
    if (options.addEos) out.push(this.eosId);
    return out;
  }

  /** Text of `ids`, exactly as llama.cpp's `llama_detokenize(remove_special=false, unparse_special=special)`. */
  decode(ids: ArrayLike<number>, options: DecodeOptions = {}): string {
    return utf8Decoder.decode(this.decodeBytes(ids, options));
  }

  /** The bytes of `ids`; for streaming, where a character's bytes may span several tokens. */
  decodeBytes(ids: ArrayLike<number>, options: DecodeOptions = {}): Uint8Array {
    const table = options.special ? this.specialBytes : this.pieceBytes;
    let total = 0;
    for (let i = 0; i < ids.length; i++) total += this.bytesOf(table, ids[i]!).length;
    const out = new Uint8Array(total);
    let at = 0;
    for (let i = 0; i < ids.length; i++) {
      const bytes = this.bytesOf(table, ids[i]!);
      out.set(bytes, at);
      at += bytes.length;
    }
    return out;
  }

  /** The piece (vocabulary text) of a token id. */
  piece(id: number): string {
    this.checkId(id);
    return this.data.pieces[id]!;
  }

  /** The id of a piece, or undefined. */
  pieceId(piece: string): number | undefined {
    return this.pieceIds.get(piece);
  }

  private bytesOf(table: Uint8Array[], id: number): Uint8Array {
    this.checkId(id);
    return table[id]!;
  }

  private checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw invalidRequest(`token id ${id} is outside the vocabulary (0..${this.vocabSize - 1})`, "tokens");
    }
  }

  private lookupSymbol(cp: number): number {
    return cp < 0x10000 ? this.bmpSymbol[cp]! : (this.astralSymbol.get(cp) ?? -1);
  }

  private setSymbol(cp: number, id: number): void {
    if (cp < 0x10000) this.bmpSymbol[cp] = id;
    else this.astralSymbol.set(cp, id);
  }

  private encodeInto(text: string, out: number[]): void {
    // One entry per character: its symbol id (-1: no piece contains it), code point, length in
    // characters (0 once merged away) and linked-list neighbours.
    const state = this.scratchFor(text.length);
    const { sym, cps } = state;
    let count = 0;
    for (let i = 0; i < text.length; i++) {
      let cp = text.charCodeAt(i);
      if (cp >= 0xd800 && cp <= 0xdbff) {
        cp = ((cp - 0xd800) << 10) + (text.charCodeAt(i + 1) - 0xdc00) + 0x10000; // well-formed: a pair
        i++;
      } else if (cp === SPACE) cp = SPACE_CP;
      cps[count] = cp;
      sym[count] = this.lookupSymbol(cp);
      count++;
    }
    let start = 0;
    for (let i = 1; i < count; i++) {
      const a = sym[i - 1]!;
      const b = sym[i]!;
      if (a < 0 || b < 0 || this.adjacent.get(a, b) < 0) {
        this.encodeSegment(state, start, i, out);
        start = i;
      }
    }
    this.encodeSegment(state, start, count, out);
  }

  /** Work arrays for a text of `length` UTF-16 units, kept between calls (encode is synchronous). */
  private scratchFor(length: number): SegmentState {
    const s = this.scratch;
    if (s && s.sym.length >= length) return s;
    const capacity = Math.max(length, 1024);
    this.scratch = {
      sym: new Int32Array(capacity),
      cps: new Int32Array(capacity),
      len: new Int32Array(capacity),
      prev: new Int32Array(capacity),
      next: new Int32Array(capacity),
      heap: s?.heap ?? new BigramHeap(256),
    };
    return this.scratch;
  }

  /** llama.cpp's llm_tokenizer_spm_session.tokenize on characters [start, end). */
  private encodeSegment(state: SegmentState, start: number, end: number, out: number[]): void {
    const { sym, len, prev, next, heap } = state;
    if (end - start > 1) {
      for (let i = start; i < end; i++) {
        len[i] = 1;
        prev[i] = i - 1;
        next[i] = i + 1;
      }
      prev[start] = -1;
      next[end - 1] = -1;
      const pairs = this.pairs;
      const scores = this.scores;
      const addBigram = (left: number, right: number) => {
        if (left < 0 || right < 0) return;
        const a = sym[left]!;
        const b = sym[right]!;
        if (a < 0 || b < 0) return;
        const token = pairs.get(a, b);
        if (token < 0) return;
        heap.push(scores[token]!, left, right, len[left]! + len[right]!, token);
      };
      for (let i = start + 1; i < end; i++) addBigram(i - 1, i);
      while (heap.size > 0) {
        const left = heap.topLeft();
        const right = heap.topRight();
        const size = heap.topSize();
        const token = heap.topToken();
        heap.pop();
        const leftLen = len[left]!;
        const rightLen = len[right]!;
        if (leftLen === 0 || rightLen === 0 || leftLen + rightLen !== size) continue; // stale
        sym[left] = token;
        len[left] = size;
        len[right] = 0;
        const after = next[right]!;
        next[left] = after;
        if (after >= 0) prev[after] = left;
        addBigram(prev[left]!, left);
        addBigram(left, after);
      }
    } else {
      next[start] = -1;
    }

    const vocabSize = this.vocabSize;
    const b = this.byteIds;
    for (let i = start; i !== -1; i = next[i]!) {
      const s = sym[i]!;
      if (s >= 0 && s < vocabSize) {
        out.push(s);
        continue;
      }
      // A character without a piece of its own (only ever a single character): its UTF-8 bytes.
      const cp = state.cps[i]!;
      if (cp < 0x80) out.push(b[cp]!);
      else if (cp < 0x800) out.push(b[0xc0 | (cp >> 6)]!, b[0x80 | (cp & 63)]!);
      else if (cp < 0x10000) out.push(b[0xe0 | (cp >> 12)]!, b[0x80 | ((cp >> 6) & 63)]!, b[0x80 | (cp & 63)]!);
      else {
        out.push(
          b[0xf0 | (cp >> 18)]!,
          b[0x80 | ((cp >> 12) & 63)]!,
          b[0x80 | ((cp >> 6) & 63)]!,
          b[0x80 | (cp & 63)]!,
        );
      }
    }
  }
}

interface SegmentState {
  sym: Int32Array;
  cps: Int32Array;
  len: Int32Array;
  prev: Int32Array;
  next: Int32Array;
  heap: BigramHeap;
}

/**
 * A binary max-heap of candidate merges in parallel typed arrays: higher score first, then the
 * smaller left index -- llama.cpp's llm_bigram_spm comparator, so equal scores merge leftmost first.
 */
class BigramHeap {
  size = 0;
  private score: Float32Array;
  private left: Int32Array;
  private right: Int32Array;
  private length: Int32Array;
  private token: Int32Array;

  constructor(initial: number) {
    const c = Math.max(16, initial);
    this.score = new Float32Array(c);
    this.left = new Int32Array(c);
    this.right = new Int32Array(c);
    this.length = new Int32Array(c);
    this.token = new Int32Array(c);
  }

  get capacity(): number {
    return this.score.length;
  }

  topLeft(): number {
    return this.left[0]!;
  }
  topRight(): number {
    return this.right[0]!;
  }
  topSize(): number {
    return this.length[0]!;
  }
  topToken(): number {
    return this.token[0]!;
  }

  private before(i: number, j: number): boolean {
    const si = this.score[i]!;
    const sj = this.score[j]!;
    return si > sj || (si === sj && this.left[i]! < this.left[j]!);
  }

  private swap(i: number, j: number): void {
    const s = this.score[i]!;
    this.score[i] = this.score[j]!;
    this.score[j] = s;
    const l = this.left[i]!;
    this.left[i] = this.left[j]!;
    this.left[j] = l;
    const r = this.right[i]!;
    this.right[i] = this.right[j]!;
    this.right[j] = r;
    const n = this.length[i]!;
    this.length[i] = this.length[j]!;
    this.length[j] = n;
    const t = this.token[i]!;
    this.token[i] = this.token[j]!;
    this.token[j] = t;
  }

  push(score: number, left: number, right: number, size: number, token: number): void {
    if (this.size === this.score.length) this.grow();
    let i = this.size++;
    this.score[i] = score;
    this.left[i] = left;
    this.right[i] = right;
    this.length[i] = size;
    this.token[i] = token;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): void {
    const last = --this.size;
    if (last === 0) return;
    this.swap(0, last);
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
  }

  private grow(): void {
    const c = this.score.length * 2;
    const grow = <T extends Float32Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(c);
      b.set(a);
      return b;
    };
    this.score = grow(this.score, (k) => new Float32Array(k));
    this.left = grow(this.left, (k) => new Int32Array(k));
    this.right = grow(this.right, (k) => new Int32Array(k));
    this.length = grow(this.length, (k) => new Int32Array(k));
    this.token = grow(this.token, (k) => new Int32Array(k));
  }
}
