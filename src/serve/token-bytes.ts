// The exact bytes of every token, read from the GGUF vocabulary.
//
// llama.cpp's detokenizer hands JavaScript a string, so a token that is half of a UTF-8 character
// already arrives as U+FFFD and its bytes are lost. Streaming text safely and reporting OpenAI's
// logprobs `bytes` needs the raw bytes, so we rebuild llama.cpp's token_to_piece from the vocabulary:
// SentencePiece ("llama") pieces with "▁" for spaces and <0xNN> byte-fallback tokens, and GPT-2
// byte-level BPE ("gpt2") pieces. Other tokenizer families fall back to the detokenizer's text.

/** GGUF tokenizer.ggml.token_type values (llama.cpp's llama_token_type). */
export const TOKEN_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

export interface TokenPiece {
  /** Bytes the token contributes to generated text (empty for control/unknown/unused tokens). */
  bytes: Uint8Array;
  /** How logprobs show the token (see TokenLogprob.token). */
  display: string;
}

export interface VocabularyDescription {
  /** tokenizer.ggml.model: "llama" (SentencePiece), "gpt2" (byte-level BPE), … */
  model: string;
  tokens: readonly string[];
  /** tokenizer.ggml.token_type; missing entries count as NORMAL. */
  tokenTypes?: readonly number[];
}

const SPACE_PIECE = "\u2581";
const BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** GPT-2's reversible byte ↔ printable-character map, inverted (character → byte). */
function gpt2ByteDecoder(): Map<string, number> {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const map = new Map<string, number>();
  for (const b of printable) map.set(String.fromCodePoint(b), b);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!printable.includes(b)) {
      map.set(String.fromCodePoint(256 + n), b);
      n++;
    }
  }
  return map;
}

/** "你" stays "你"; bytes that are not valid UTF-8 on their own read "bytes:\xe4\xbd". */
export function displayBytes(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return `bytes:${Array.from(bytes, (b) => `\\x${b.toString(16).padStart(2, "0")}`).join("")}`;
  }
}

function piece(bytes: Uint8Array): TokenPiece {
  return { bytes, display: displayBytes(bytes) };
}

const EMPTY = new Uint8Array(0);

/**
 * One TokenPiece per token id. Returns null when the tokenizer family is not one we can rebuild;
 * callers then use the detokenizer's text (exact for vocabularies without partial characters).
 */
export function buildTokenPieces(vocab: VocabularyDescription): TokenPiece[] | null {
  const { tokens } = vocab;
  const type = (i: number) => vocab.tokenTypes?.[i] ?? TOKEN_TYPE.NORMAL;
  const hidden = (text: string): TokenPiece => ({ bytes: EMPTY, display: text });
  if (vocab.model === "llama") {
    return tokens.map((text, i) => {
      const t = type(i);
      if (t === TOKEN_TYPE.BYTE) {
        const m = BYTE_TOKEN.exec(text);
        return m ? piece(Uint8Array.of(Number.parseInt(m[1] as string, 16))) : piece(utf8.encode(text));
      }
      if (t === TOKEN_TYPE.CONTROL || t === TOKEN_TYPE.UNKNOWN || t === TOKEN_TYPE.UNUSED) return hidden(text);
      if (t === TOKEN_TYPE.USER_DEFINED) return piece(utf8.encode(text));
      return piece(utf8.encode(text.replaceAll(SPACE_PIECE, " ")));
    });
  }
  if (vocab.model === "gpt2") {
    const decoder = gpt2ByteDecoder();
    return tokens.map((text, i) => {
      const t = type(i);
      if (t === TOKEN_TYPE.CONTROL || t === TOKEN_TYPE.UNKNOWN || t === TOKEN_TYPE.UNUSED) return hidden(text);
      if (t === TOKEN_TYPE.USER_DEFINED) return piece(utf8.encode(text));
      const bytes: number[] = [];
      for (const ch of text) {
        const b = decoder.get(ch);
        if (b === undefined) bytes.push(...utf8.encode(ch));
        else bytes.push(b);
      }
      return piece(Uint8Array.from(bytes));
    });
  }
  return null;
}
