// Rules that keep llama.cpp's tokenizer and ours in step and decode(encode(x)) === x. llama.cpp's SPM
// encoder merges any two adjacent symbols whose concatenation is ANY vocabulary entry -- control and
// byte tokens included -- and it re-types some tokens on load by their text. So the vocabulary must
// never let a merge spell a control/unknown/byte token (its id would decode to nothing or one byte),
// and no ordinary piece may look like a token llama.cpp treats as special.

import { codePointLength, isWellFormed } from "./unicode.js";

/** "<0x0A>" for byte 10: SentencePiece's byte-fallback piece, the spelling llama.cpp looks up. */
export function bytePiece(byte: number): string {
  return `<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`;
}

export const BYTE_PIECE_PATTERN = /^<0x[0-9A-F]{2}>$/;

/**
 * Texts llama.cpp gives another type on load whatever the file says (llama-vocab.cpp: "quick hack
 * for gpt-oss" → USER_DEFINED, which it then splits out of plain text; the o200k/gemma4 EOG
 * workarounds). A control token with one of these names would tokenize differently there.
 */
const RETYPED_BY_LLAMA_CPP = new Set([
  "<|channel|>",
  "<|message|>",
  "<|start|>",
  "<|constrain|>",
  "<|end|>",
  "<|return|>",
  "<|call|>",
  "<|calls|>",
  "<|flush|>",
  "<|tool_response>",
]);

/**
 * Shapes of the names llama.cpp recognises as end-of-turn, fill-in-the-middle and padding tokens
 * ("<|im_end|>", "<PRE>", "▁<MID>", "_<EOT>", "[PAD]", "[e~[", …) and turns into CONTROL tokens even
 * when the file says NORMAL. A learned piece of this shape would then decode to nothing.
 */
const SPECIAL_LOOKING = /^(?:[_\u2581]?<.*>|\[.*[\][])$/su;

export function looksSpecial(piece: string): boolean {
  return SPECIAL_LOOKING.test(piece);
}

/** Why `text` cannot be a control token, or null when it can. */
export function controlTokenProblem(text: string): string | null {
  if (typeof text !== "string" || !isWellFormed(text)) return "it must be well-formed Unicode text";
  if (codePointLength(text) < 3) {
    // Two characters are always adjacent symbols in some text, so llama.cpp would merge them into
    // the control token; one character would be looked up as the control token directly.
    return "it must be at least 3 characters long";
  }
  if (/[\s\0]/u.test(text)) return "it must not contain whitespace or U+0000";
  if (/^<0x[0-9a-f]{2}>$/i.test(text)) return "it is spelled like a byte-fallback piece";
  if (RETYPED_BY_LLAMA_CPP.has(text)) return "llama.cpp re-types a token with this name on load";
  return null;
}

/**
 * The trainer's guard: texts a learned (NORMAL) piece may not have. Besides the reserved texts
 * themselves, every proper prefix and suffix of 2+ characters is banned: a reserved text of 3+
 * characters split anywhere has a side of 2+ characters, which can then never be a symbol, so the
 * reserved text can never be formed by a merge.
 */
export class PieceGuard {
  private readonly banned = new Set<string>();

  constructor(reservedTexts: Iterable<string>) {
    for (const text of reservedTexts) {
      const cps = Array.from(text);
      this.banned.add(text);
      for (let k = 2; k < cps.length; k++) {
        this.banned.add(cps.slice(0, k).join(""));
        this.banned.add(cps.slice(cps.length - k).join(""));
      }
    }
  }

  /** True when a merge may create `piece` (a string of 2+ code points). */
  allows(piece: string): boolean {
    return !this.banned.has(piece) && !piece.includes(" ") && !looksSpecial(piece);
  }
}
