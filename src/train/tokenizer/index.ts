// Tokenizer training and encoding for llama.cpp's SentencePiece-style ("llama") vocabularies.
export { type DecodeOptions, type EncodeOptions, SpmTokenizer } from "./encoder.js";
export { loadTokenizer, readTokenizerFile, writeTokenizerFile } from "./file.js";
export { toGgufVocab, tokenizerGgufMetadata } from "./gguf.js";
export { parseTokenizerJson, serializeTokenizer, tokenizerSchema } from "./schema.js";
export {
  CHATML_TOKENS,
  minimumVocabSize,
  TRAIN_DEFAULTS,
  type TrainProgress,
  type TrainTokenizerOptions,
  type TrainTokenizerResult,
  type TrainTokenizerStats,
  trainTokenizer,
} from "./train.js";
export {
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
export { MAX_VOCAB_SIZE, validateTokenizerData } from "./validate.js";
