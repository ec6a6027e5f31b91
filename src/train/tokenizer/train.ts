// Trains a SentencePiece-style BPE vocabulary for llama.cpp's SPM tokenizer:
// 1. stream the corpus files, counting pre-tokenised chunks (pretokenize.ts) and characters;
// 2. keep the most frequent characters up to the coverage (the rest fall back to bytes);
// 3. learn BPE merges inside chunks (bpe.ts);
// 4. lay out the vocabulary -- <unk> <s> </s>, extra control tokens, <0x00>…<0xFF>, then the pieces
//    -- scoring merge k as -k, so llama.cpp's "merge the highest-scoring pair first" replays the
//    merges in the order they were learned.

import { invalidRequest } from "../../errors.js";
import { CHATML_SPECIAL_TOKENS } from "../../formats/gguf/index.js";
import { type BpeResult, type BpeWord, learnBpe } from "./bpe.js";
import { readCorpusFile, statCorpusFiles } from "./corpus.js";
import { SpmTokenizer } from "./encoder.js";
import { forEachChunk } from "./pretokenize.js";
import { bytePiece, controlTokenProblem, PieceGuard } from "./rules.js";
import {
  BOS_PIECE,
  EOS_PIECE,
  PIECE_TYPE,
  type PieceType,
  SPACE_PIECE,
  TOKENIZER_FORMAT,
  TOKENIZER_FORMAT_VERSION,
  type TokenizerCorpusFile,
  type TokenizerData,
  type TokenizerTrainingConfig,
  UNK_PIECE,
} from "./types.js";
import { utf8Length } from "./unicode.js";

export interface TrainTokenizerOptions {
  /** UTF-8 text files, read in this order. */
  files: readonly string[];
  vocabSize: number;
  /** Default 0.9995 (SentencePiece's default for CJK). */
  characterCoverage?: number;
  /** Default 16 code points. */
  maxPieceLength?: number;
  /** Default 2. */
  minPairFrequency?: number;
  /** Default 1,000,000: beyond it the rarest chunks are dropped from the count (bounded memory). */
  maxDistinctChunks?: number;
  /** Extra CONTROL tokens after <unk> <s> </s> (e.g. ChatML's "<|im_start|>", "<|im_end|>"). */
  controlTokens?: readonly string[];
  /** The end-of-sequence token (default "</s>"); must be "</s>" or one of controlTokens. */
  eos?: string;
  onProgress?: (progress: TrainProgress) => void;
}

export type TrainProgress =
  | { phase: "count"; bytesRead: number; totalBytes: number }
  /** `pieces` learned so far (characters and merges) of at most `maxPieces`. */
  | { phase: "merge"; pieces: number; maxPieces: number };

export interface TrainTokenizerStats {
  bytes: number;
  characters: number;
  distinctCharacters: number;
  /** Characters that got a piece of their own; the rest are encoded as bytes. */
  characterPieces: number;
  /** Fraction of the corpus's characters (by count) that have a piece. */
  coverage: number;
  chunks: number;
  distinctChunks: number;
  /** Chunk occurrences dropped by the maxDistinctChunks bound (0 unless the corpus is huge). */
  prunedChunks: number;
  mergedPieces: number;
  vocabSize: number;
  /**
   * Fraction of training chunks (weighted by count) that llama.cpp's encoder splits exactly as the
   * trainer did. Below 1 where the encoder reaches a piece by another route than its merge (a piece
   * "abc" learned as ab+c is also formed from a+bc when "bc" scores higher than "ab").
   */
  segmentationAgreement: number;
  /** Tokens of the corpus (chunk by chunk, so a merge across two chunks is not counted). */
  tokens: number;
  countSeconds: number;
  mergeSeconds: number;
}

export interface TrainTokenizerResult {
  data: TokenizerData;
  stats: TrainTokenizerStats;
}

export const TRAIN_DEFAULTS = {
  characterCoverage: 0.9995,
  maxPieceLength: 16,
  minPairFrequency: 2,
  maxDistinctChunks: 1_000_000,
} as const;

/** The control tokens and eos that make a ChatML-ready vocabulary. */
export const CHATML_TOKENS = { controlTokens: [...CHATML_SPECIAL_TOKENS], eos: "<|im_end|>" } as const;

/** Smallest vocabulary with these control tokens: <unk> <s> </s>, the controls, 256 bytes and "▁". */
export function minimumVocabSize(controlTokens: readonly string[] = []): number {
  return 3 + controlTokens.length + 256 + 1;
}

export async function trainTokenizer(options: TrainTokenizerOptions): Promise<TrainTokenizerResult> {
  const config = checkOptions(options);
  const controls = [...(options.controlTokens ?? [])];
  const reserved = [UNK_PIECE, BOS_PIECE, EOS_PIECE, ...controls];
  const byteCount = reserved.length + 256;

  // 1. Count.
  const sizes = await statCorpusFiles(options.files);
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  const started = performance.now();
  const counter = new ChunkCounter(config.maxDistinctChunks);
  const charCounts = new Map<number, number>();
  let bytesRead = 0;
  let lastReport = 0;
  const corpus: TokenizerCorpusFile[] = [];
  for (const file of options.files) {
    let pending = "";
    const flush = (text: string) => {
      forEachChunk(text, (chunk) => counter.add(chunk));
      countCharacters(text, charCounts);
    };
    const info = await readCorpusFile(
      file,
      (text) => {
        pending += text.replaceAll(" ", SPACE_PIECE);
        const cut = lastSafeCut(pending);
        if (cut > 0) {
          flush(pending.slice(0, cut));
          pending = pending.slice(cut);
        } else if (pending.length > 1 << 22) {
          // A huge file without line breaks: cut anyway (a chunk may split at this point).
          flush(pending);
          pending = "";
        }
      },
      (n) => {
        bytesRead += n;
        if (options.onProgress && (bytesRead - lastReport > 1 << 20 || bytesRead === totalBytes)) {
          lastReport = bytesRead;
          options.onProgress({ phase: "count", bytesRead, totalBytes });
        }
      },
    );
    if (pending) flush(pending);
    corpus.push(info);
  }
  let characters = 0;
  for (const n of charCounts.values()) characters += n;
  if (characters === 0) {
    throw invalidRequest(
      `the corpus is empty (${options.files.join(", ")}); give files with text to learn from`,
      "files",
    );
  }
  const countSeconds = (performance.now() - started) / 1000;

  // 2. Candidate characters: by count (then code point) up to the coverage; the rest are bytes.
  const spaceCp = SPACE_PIECE.codePointAt(0)!;
  const ranked = [...charCounts].sort((x, y) => y[1] - x[1] || x[0] - y[0]);
  const candidates: number[] = [spaceCp]; // "▁" always has a piece: spaces must decode as spaces
  let candidateCount = charCounts.get(spaceCp) ?? 0;
  for (const [cp, n] of ranked) {
    if (candidateCount >= config.characterCoverage * characters) break;
    if (cp === spaceCp || cp === 0) continue; // U+0000 cannot be in a piece (validate.ts): bytes
    candidates.push(cp);
    candidateCount += n;
  }
  const charText = candidates.map((cp) => String.fromCodePoint(cp));
  const charId = new Map(candidates.map((cp, i) => [cp, i]));
  // A character's piece saves a token per UTF-8 byte beyond the first on each occurrence (ASCII:
  // counted as one, for the merges it makes possible).
  const gains = candidates.map((cp) =>
    cp === spaceCp ? Number.POSITIVE_INFINITY : charCounts.get(cp)! * Math.max(1, utf8Length(cp) - 1),
  );

  // 3. Pieces: characters and merges, inside chunks; characters outside the coverage split a chunk.
  const mergeStarted = performance.now();
  const words: BpeWord[] = [];
  for (const [chunk, count] of counter.entries()) {
    let symbols: number[] = [];
    for (const ch of chunk) {
      const id = charId.get(ch.codePointAt(0)!);
      if (id !== undefined) symbols.push(id);
      else {
        if (symbols.length > 1) words.push({ symbols, count });
        symbols = [];
      }
    }
    if (symbols.length > 1) words.push({ symbols, count });
  }
  const room = config.vocabSize - byteCount; // >= 1 ("▁") by checkOptions
  const bpe = learnBpe({
    symbols: charText,
    gains,
    words,
    maxPieces: room,
    minPairFrequency: config.minPairFrequency,
    maxPieceLength: config.maxPieceLength,
    guard: new PieceGuard([...reserved, ...Array.from({ length: 256 }, (_, b) => bytePiece(b))]),
    onPiece: options.onProgress
      ? (pieces) => {
          if (pieces % 64 === 0) options.onProgress?.({ phase: "merge", pieces, maxPieces: room });
        }
      : undefined,
  });
  const mergeSeconds = (performance.now() - mergeStarted) / 1000;
  let covered = 0;
  for (const ch of bpe.characters) covered += charCounts.get(ch.codePointAt(0)!)!;

  // 4. Layout and scores.
  const pieces: string[] = [...reserved];
  const types: PieceType[] = [PIECE_TYPE.UNKNOWN, ...reserved.slice(1).map(() => PIECE_TYPE.CONTROL)];
  const scores: number[] = reserved.map(() => 0);
  for (let b = 0; b < 256; b++) {
    pieces.push(bytePiece(b));
    types.push(PIECE_TYPE.BYTE);
    scores.push(0);
  }
  bpe.pieces.forEach((piece, k) => {
    pieces.push(piece);
    types.push(PIECE_TYPE.NORMAL);
    scores.push(negate(k));
  });
  bpe.characters.forEach((ch, r) => {
    pieces.push(ch);
    types.push(PIECE_TYPE.NORMAL);
    scores.push(negate(bpe.pieces.length + r));
  });
  const eos = options.eos ?? EOS_PIECE;
  const data: TokenizerData = {
    format: TOKENIZER_FORMAT,
    version: TOKENIZER_FORMAT_VERSION,
    model: "llama",
    pieces,
    scores,
    types,
    special: { unk: 0, bos: 1, eos: pieces.indexOf(eos), pad: null },
    addBos: true,
    addEos: false,
    normalizer: { escapeWhitespace: true, addSpacePrefix: false, byteFallback: true },
    training: config,
    corpus,
  };
  const tok = new SpmTokenizer(data, "trained tokenizer"); // checks the layout llama.cpp will load
  const segmentation = segmentationAgreement(tok, words, bpe);
  let tokens = 0;
  for (const [chunk, count] of counter.entries()) tokens += tok.encode(chunk).length * count;
  return {
    data,
    stats: {
      bytes: totalBytes,
      characters,
      distinctCharacters: charCounts.size,
      characterPieces: bpe.characters.length,
      coverage: covered / characters,
      chunks: counter.total,
      distinctChunks: counter.size,
      prunedChunks: counter.pruned,
      mergedPieces: bpe.pieces.length,
      vocabSize: pieces.length,
      segmentationAgreement: segmentation,
      tokens,
      countSeconds,
      mergeSeconds,
    },
  };
}

/** -n, but never -0 (JSON writes -0 as 0, so a file would not read back equal). */
function negate(n: number): number {
  return n === 0 ? 0 : -n;
}

function segmentationAgreement(tok: SpmTokenizer, words: readonly BpeWord[], bpe: BpeResult): number {
  const hasPiece = new Set([...bpe.characters, ...bpe.pieces]);
  const utf8 = new TextEncoder();
  let agree = 0;
  let total = 0;
  for (const { symbols, count } of words) {
    const expected: number[] = [];
    for (const id of symbols) {
      const text = bpe.symbolTexts[id]!;
      if (hasPiece.has(text)) expected.push(tok.pieceId(text)!);
      else for (const byte of utf8.encode(text)) expected.push(tok.pieceId(bytePiece(byte))!);
    }
    const actual = tok.encode(symbols.map((id) => bpe.symbolTexts[id]).join(""));
    total += count;
    if (actual.length === expected.length && actual.every((v, i) => v === expected[i])) agree += count;
  }
  return total === 0 ? 1 : agree / total;
}

function checkOptions(options: TrainTokenizerOptions): TokenizerTrainingConfig {
  const controls = options.controlTokens ?? [];
  const seen = new Set([UNK_PIECE, BOS_PIECE, EOS_PIECE]);
  for (const token of controls) {
    const problem = controlTokenProblem(token);
    if (problem)
      throw invalidRequest(`control token ${JSON.stringify(token)} is not allowed: ${problem}`, "controlTokens");
    if (seen.has(token))
      throw invalidRequest(`control token ${JSON.stringify(token)} is given twice or is built in`, "controlTokens");
    seen.add(token);
  }
  const eos = options.eos ?? EOS_PIECE;
  if (eos !== EOS_PIECE && !controls.includes(eos)) {
    throw invalidRequest(`eos ${JSON.stringify(eos)} must be "</s>" or one of the control tokens`, "eos");
  }
  const min = minimumVocabSize(controls);
  if (!Number.isSafeInteger(options.vocabSize) || options.vocabSize < min || options.vocabSize > 1 << 22) {
    throw invalidRequest(
      `vocabulary size must be an integer from ${min} to ${1 << 22} (3 specials + ${controls.length} control tokens + 256 bytes + "▁"` +
        ` need ${min}), not ${options.vocabSize}`,
      "vocabSize",
    );
  }
  const config: TokenizerTrainingConfig = {
    algorithm: "bpe",
    vocabSize: options.vocabSize,
    characterCoverage: options.characterCoverage ?? TRAIN_DEFAULTS.characterCoverage,
    maxPieceLength: options.maxPieceLength ?? TRAIN_DEFAULTS.maxPieceLength,
    minPairFrequency: options.minPairFrequency ?? TRAIN_DEFAULTS.minPairFrequency,
    maxDistinctChunks: options.maxDistinctChunks ?? TRAIN_DEFAULTS.maxDistinctChunks,
    pretokenizer: "llmops-v1",
  };
  const { characterCoverage: cov, maxPieceLength: len, minPairFrequency: freq, maxDistinctChunks: chunks } = config;
  if (!(cov > 0 && cov <= 1))
    throw invalidRequest(`character coverage must be in (0, 1], not ${cov}`, "characterCoverage");
  if (!Number.isInteger(len) || len < 2 || len > 256) {
    throw invalidRequest(`max piece length must be an integer from 2 to 256, not ${len}`, "maxPieceLength");
  }
  if (!Number.isInteger(freq) || freq < 1) {
    throw invalidRequest(`min pair frequency must be a positive integer, not ${freq}`, "minPairFrequency");
  }
  if (!Number.isInteger(chunks) || chunks < 1000) {
    throw invalidRequest(`max distinct chunks must be an integer of at least 1000, not ${chunks}`, "maxDistinctChunks");
  }
  return config;
}

/** Index after the last line break followed by a character that starts a chunk there (0 if none). */
function lastSafeCut(text: string): number {
  for (let i = text.length - 1; i > 0; i--) {
    const c = text.charCodeAt(i - 1);
    if ((c === 10 || c === 13) && !/[\s\p{M}]/u.test(text[i]!)) return i;
  }
  return 0;
}

function countCharacters(text: string, counts: Map<number, number>): void {
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      cp = text.codePointAt(i)!;
      i++;
    }
    counts.set(cp, (counts.get(cp) ?? 0) + 1);
  }
}

/** Distinct chunks with counts; past `limit` entries the rarest are dropped (bounded memory). */
class ChunkCounter {
  total = 0;
  pruned = 0;
  private readonly counts = new Map<string, number>();

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.counts.size;
  }

  add(chunk: string): void {
    this.total++;
    this.counts.set(chunk, (this.counts.get(chunk) ?? 0) + 1);
    if (this.counts.size > this.limit) this.prune();
  }

  entries(): IterableIterator<[string, number]> {
    return this.counts.entries();
  }

  private prune(): void {
    for (let threshold = 1; this.counts.size > this.limit * 0.75; threshold++) {
      for (const [chunk, n] of this.counts) {
        if (n <= threshold) {
          this.counts.delete(chunk);
          this.pruned += n;
        }
      }
    }
  }
}
