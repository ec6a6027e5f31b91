// The tokenizer artifact: a SentencePiece-style vocabulary for llama.cpp's "llama" (SPM) tokenizer,
// as stored in a tokenizer JSON file and in a GGUF's tokenizer.ggml.* keys.
import { SPACE_PIECE, TOKEN_TYPE } from "../../formats/gguf/index.js";

/** SentencePiece's visible space: " " in text is "▁" (U+2581) in pieces. */
export { SPACE_PIECE };

/** The token types a tokenizer file may use (a subset of GGUF's; llama.cpp gives the others odd meanings). */
export const PIECE_TYPE = {
  NORMAL: TOKEN_TYPE.NORMAL,
  UNKNOWN: TOKEN_TYPE.UNKNOWN,
  CONTROL: TOKEN_TYPE.CONTROL,
  BYTE: TOKEN_TYPE.BYTE,
} as const;
export type PieceType = (typeof PIECE_TYPE)[keyof typeof PIECE_TYPE];

export const UNK_PIECE = "<unk>";
export const BOS_PIECE = "<s>";
export const EOS_PIECE = "</s>";

export const TOKENIZER_FORMAT = "llmops.tokenizer";
export const TOKENIZER_FORMAT_VERSION = 1;

/** Settings of the BPE trainer, recorded in the file so a tokenizer can be reproduced. */
export interface TokenizerTrainingConfig {
  algorithm: "bpe";
  /** The size asked for; the vocabulary is smaller when the corpus runs out of pairs. */
  vocabSize: number;
  /** Fraction of the corpus's characters (by count) that get their own piece; the rest fall back to bytes. */
  characterCoverage: number;
  /** Longest piece, in Unicode code points. */
  maxPieceLength: number;
  /** A pair must occur at least this often to be merged. */
  minPairFrequency: number;
  /** Distinct pre-tokenised chunks kept in memory while counting (rarer ones are pruned beyond it). */
  maxDistinctChunks: number;
  /** Name of the pre-tokenisation rules (chunk boundaries merges may not cross). */
  pretokenizer: "llmops-v1";
}

export interface TokenizerCorpusFile {
  /** File name without its folder (paths differ between machines; the hash identifies the content). */
  name: string;
  bytes: number;
  sha256: string;
}

/** What a tokenizer JSON file holds (validated with zod on read, see schema.ts). */
export interface TokenizerData {
  format: typeof TOKENIZER_FORMAT;
  version: typeof TOKENIZER_FORMAT_VERSION;
  /** tokenizer.ggml.model: llama.cpp's SentencePiece (SPM) tokenizer. */
  model: "llama";
  pieces: string[];
  scores: number[];
  types: PieceType[];
  special: { unk: number; bos: number; eos: number; pad: number | null };
  addBos: boolean;
  addEos: boolean;
  /**
   * How text becomes pieces: spaces are escaped as "▁" and no space is prepended (llama.cpp's
   * add_space_prefix), so decode(encode(x)) === x. These are the only settings this encoder supports.
   */
  normalizer: { escapeWhitespace: true; addSpacePrefix: false; byteFallback: true };
  /** Null for a vocabulary that was not trained here. */
  training: TokenizerTrainingConfig | null;
  corpus: TokenizerCorpusFile[];
}
