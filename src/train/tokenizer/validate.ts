// Checks that a vocabulary is one llama.cpp loads and tokenizes exactly as our encoder does, with a
// lossless round trip. Structure (types, lengths) is zod's job (schema.ts); this is the meaning.
import { invalidRequest } from "../../errors.js";
import { BYTE_PIECE_PATTERN, bytePiece, controlTokenProblem, looksSpecial } from "./rules.js";
import { PIECE_TYPE, SPACE_PIECE, type TokenizerData } from "./types.js";
import { codePointLength, isWellFormed } from "./unicode.js";

/** A tokenizer with more pieces than this is refused (scores must stay exact in float32). */
export const MAX_VOCAB_SIZE = 1 << 22;

export function validateTokenizerData(data: TokenizerData, source = "tokenizer"): void {
  const fail = (message: string, param?: string) => {
    throw invalidRequest(`${source}: ${message}`, param);
  };
  const { pieces, scores, types } = data;
  const n = pieces.length;
  if (n === 0 || n > MAX_VOCAB_SIZE) fail(`a vocabulary has 1 to ${MAX_VOCAB_SIZE} pieces, this one ${n}`, "pieces");
  if (scores.length !== n || types.length !== n) {
    fail(`pieces, scores and types must have the same length (${n}, ${scores.length}, ${types.length})`, "pieces");
  }
  const ids = new Map<string, number>();
  for (let id = 0; id < n; id++) {
    const piece = pieces[id]!;
    if (piece === "" || !isWellFormed(piece)) fail(`piece ${id} must be non-empty, well-formed text`, "pieces");
    // llama.cpp reads pieces as C strings: one with U+0000 is cut short there (and a resulting
    // duplicate aborts the process).
    if (piece.includes("\0"))
      fail(`piece ${id} ${JSON.stringify(piece)} contains U+0000, which llama.cpp cannot load`, "pieces");
    const previous = ids.get(piece);
    // llama.cpp aborts on load when two tokens have the same text.
    if (previous !== undefined) fail(`pieces ${previous} and ${id} are both ${JSON.stringify(piece)}`, "pieces");
    ids.set(piece, id);
    if (!Number.isFinite(scores[id])) fail(`score ${id} must be a finite number`, "scores");
  }

  const special = data.special;
  for (const [name, id] of Object.entries(special)) {
    if (id !== null && (!Number.isInteger(id) || id < 0 || id >= n)) fail(`special.${name} (${id}) is not a token id`);
  }
  if (types[special.unk] !== PIECE_TYPE.UNKNOWN) fail(`special.unk (${special.unk}) must have type UNKNOWN (2)`);
  for (const name of ["bos", "eos"] as const) {
    if (types[special[name]] !== PIECE_TYPE.CONTROL)
      fail(`special.${name} (${special[name]}) must be a CONTROL (3) token`);
  }
  if (special.pad !== null && types[special.pad] !== PIECE_TYPE.CONTROL) {
    fail(`special.pad (${special.pad}) must be a CONTROL (3) token`);
  }

  for (let b = 0; b < 256; b++) {
    const id = ids.get(bytePiece(b));
    // llama.cpp's byte fallback looks these up by text and aborts when one is missing.
    if (id === undefined || types[id] !== PIECE_TYPE.BYTE) fail(`the BYTE (6) piece ${bytePiece(b)} is missing`);
  }
  const space = ids.get(SPACE_PIECE);
  if (space === undefined || types[space] !== PIECE_TYPE.NORMAL) {
    fail(`a NORMAL piece "${SPACE_PIECE}" (U+2581) is required, or spaces would decode as "${SPACE_PIECE}"`);
  }

  // Every symbol the encoder can hold is one character or a vocabulary entry; a merge spells
  // left+right. A non-NORMAL token must not be reachable that way (see rules.ts).
  const isSymbol = (text: string) => ids.has(text) || codePointLength(text) === 1;
  for (let id = 0; id < n; id++) {
    const piece = pieces[id]!;
    const type = types[id];
    if (type === PIECE_TYPE.NORMAL) {
      if (piece.includes(" "))
        fail(`piece ${id} ${JSON.stringify(piece)} has a space; pieces spell spaces "${SPACE_PIECE}"`);
      if (codePointLength(piece) > 1 && looksSpecial(piece)) {
        fail(`piece ${id} ${JSON.stringify(piece)} looks like a special token, which llama.cpp would re-type`);
      }
      continue;
    }
    if (type === PIECE_TYPE.BYTE) {
      if (!BYTE_PIECE_PATTERN.test(piece))
        fail(`BYTE piece ${id} must be spelled <0xHH>, not ${JSON.stringify(piece)}`);
    } else {
      const problem = controlTokenProblem(piece);
      if (problem) fail(`token ${id} ${JSON.stringify(piece)} cannot be a control/unknown token: ${problem}`);
    }
    const cps = Array.from(piece);
    for (let k = 1; k < cps.length; k++) {
      const left = cps.slice(0, k).join("");
      const right = cps.slice(k).join("");
      if (isSymbol(left) && isSymbol(right)) {
        fail(
          `token ${id} ${JSON.stringify(piece)} could be spelled by merging ${JSON.stringify(left)} + ${JSON.stringify(right)}; ` +
            "remove one of those pieces",
        );
      }
    }
  }
}
