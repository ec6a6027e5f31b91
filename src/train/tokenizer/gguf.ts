// The tokenizer as GGUF metadata (tokenizer.ggml.*), for the exporter that embeds it in a model.
import { invalidRequest } from "../../errors.js";
import { type GgufKv, type GgufVocab, gguf, kv } from "../../formats/gguf/index.js";
import type { SpmTokenizer } from "./encoder.js";
import { bytePiece } from "./rules.js";
import type { TokenizerData } from "./types.js";

type TokenizerLike = TokenizerData | SpmTokenizer;

function dataOf(tok: TokenizerLike): TokenizerData {
  return "pieces" in tok ? tok : tok.data;
}

/**
 * The tokenizer.ggml.* entries llama.cpp reads for a "llama" (SentencePiece) vocabulary. Pass them
 * as `extraMetadata` to buildLlamaGguf (they replace its defaults), or use toGgufVocab.
 */
export function tokenizerGgufMetadata(tok: TokenizerLike): GgufKv[] {
  const data = dataOf(tok);
  const entries: GgufKv[] = [
    kv("tokenizer.ggml.model", gguf.string("llama")),
    kv("tokenizer.ggml.tokens", gguf.strings(data.pieces)),
    kv("tokenizer.ggml.scores", gguf.numbers("float32", data.scores)),
    kv("tokenizer.ggml.token_type", gguf.numbers("int32", data.types)),
    kv("tokenizer.ggml.unknown_token_id", gguf.uint32(data.special.unk)),
    kv("tokenizer.ggml.bos_token_id", gguf.uint32(data.special.bos)),
    kv("tokenizer.ggml.eos_token_id", gguf.uint32(data.special.eos)),
  ];
  if (data.special.pad !== null) entries.push(kv("tokenizer.ggml.padding_token_id", gguf.uint32(data.special.pad)));
  entries.push(
    kv("tokenizer.ggml.add_bos_token", gguf.bool(data.addBos)),
    kv("tokenizer.ggml.add_eos_token", gguf.bool(data.addEos)),
    // Without this llama.cpp prepends "▁" to every text and detokenize(tokenize(x)) gains a space.
    kv("tokenizer.ggml.add_space_prefix", gguf.bool(false)),
  );
  return entries;
}

/** The vocabulary in the shape buildLlamaGguf takes (`vocab`), so llamaMetadata writes it. */
export function toGgufVocab(tok: TokenizerLike): GgufVocab {
  const data = dataOf(tok);
  const byteBase = data.pieces.indexOf(bytePiece(0));
  for (let b = 0; b < 256; b++) {
    if (data.pieces[byteBase + b] !== bytePiece(b)) {
      throw invalidRequest(
        "toGgufVocab needs the 256 byte pieces in order at consecutive ids; use tokenizerGgufMetadata",
      );
    }
  }
  return {
    tokens: [...data.pieces],
    scores: [...data.scores],
    tokenTypes: [...data.types],
    unkId: data.special.unk,
    bosId: data.special.bos,
    eosId: data.special.eos,
    byteBase,
  };
}
