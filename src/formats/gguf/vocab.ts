// A SentencePiece-style ("llama" tokenizer model) vocabulary with byte fallback: every UTF-8 byte
// has its own token, so any text -- Chinese, emoji, control characters -- tokenizes losslessly.
import { invalidRequest } from "../../errors.js";
import { TOKEN_TYPE } from "./constants.js";

export interface GgufVocab {
  tokens: string[];
  scores: number[];
  tokenTypes: number[];
  unkId: number;
  bosId: number;
  eosId: number;
  /** Id of the token for byte 0x00; byte b is token byteBase + b. */
  byteBase: number;
}

/** SentencePiece's visible space; a NORMAL piece so spaces round-trip when add_space_prefix is false. */
export const SPACE_PIECE = "\u2581";

/**
 * <unk>=0, <s>=1, </s>=2, then `specials` as CONTROL tokens, then <0x00>..<0xFF> (BYTE), then "▁".
 * `eos` names the token generation stops on (default "</s>"; a ChatML model uses "<|im_end|>").
 */
export function byteVocab(options: { specials?: readonly string[]; eos?: string } = {}): GgufVocab {
  const specials = options.specials ?? [];
  const tokens = ["<unk>", "<s>", "</s>"];
  const tokenTypes: number[] = [TOKEN_TYPE.UNKNOWN, TOKEN_TYPE.CONTROL, TOKEN_TYPE.CONTROL];
  for (const s of specials) {
    if (typeof s !== "string" || s === "" || tokens.includes(s)) {
      throw invalidRequest(`special token ${JSON.stringify(s)} must be a non-empty string, unique in the vocabulary`);
    }
    tokens.push(s);
    tokenTypes.push(TOKEN_TYPE.CONTROL);
  }
  const byteBase = tokens.length;
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    tokenTypes.push(TOKEN_TYPE.BYTE);
  }
  tokens.push(SPACE_PIECE);
  tokenTypes.push(TOKEN_TYPE.NORMAL);
  const eos = options.eos ?? "</s>";
  const eosId = tokens.indexOf(eos);
  if (eosId < 0 || tokenTypes[eosId] !== TOKEN_TYPE.CONTROL) {
    throw invalidRequest(`eos token ${JSON.stringify(eos)} must be one of the control tokens`);
  }
  return { tokens, scores: tokens.map(() => 0), tokenTypes, unkId: 0, bosId: 1, eosId, byteBase };
}
