// The tokenizer JSON file: zod schema (structure), canonical serialisation (deterministic bytes:
// fixed key order, no timestamps or absolute paths) and parsing with clear errors.
import { z } from "zod";
import { invalidRequest } from "../../errors.js";
import { PIECE_TYPE, TOKENIZER_FORMAT, TOKENIZER_FORMAT_VERSION, type TokenizerData } from "./types.js";
import { MAX_VOCAB_SIZE } from "./validate.js";

const tokenId = z.number().int().nonnegative();

const trainingSchema = z.strictObject({
  algorithm: z.literal("bpe"),
  vocabSize: z.number().int().positive(),
  characterCoverage: z.number().gt(0).lte(1),
  maxPieceLength: z.number().int().positive(),
  minPairFrequency: z.number().int().positive(),
  maxDistinctChunks: z.number().int().positive(),
  pretokenizer: z.literal("llmops-v1"),
});

export const tokenizerSchema = z.strictObject({
  format: z.literal(TOKENIZER_FORMAT),
  version: z.literal(TOKENIZER_FORMAT_VERSION),
  model: z.literal("llama"),
  pieces: z.array(z.string()).min(1).max(MAX_VOCAB_SIZE),
  scores: z.array(z.number()).max(MAX_VOCAB_SIZE),
  types: z
    .array(
      z.union([PIECE_TYPE.NORMAL, PIECE_TYPE.UNKNOWN, PIECE_TYPE.CONTROL, PIECE_TYPE.BYTE].map((t) => z.literal(t))),
    )
    .max(MAX_VOCAB_SIZE),
  special: z.strictObject({ unk: tokenId, bos: tokenId, eos: tokenId, pad: tokenId.nullable() }),
  addBos: z.boolean(),
  addEos: z.boolean(),
  normalizer: z.strictObject({
    escapeWhitespace: z.literal(true),
    addSpacePrefix: z.literal(false),
    byteFallback: z.literal(true),
  }),
  training: trainingSchema.nullable(),
  corpus: z.array(
    z.strictObject({
      name: z.string(),
      bytes: z.number().int().nonnegative(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
    }),
  ),
});

/** Parses and checks a tokenizer JSON document; `source` names it in error messages. */
export function parseTokenizerJson(text: string, source = "tokenizer"): TokenizerData {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw invalidRequest(
      `${source} is not valid JSON (${(error as Error).message}); expected a tokenizer file from \`llmops tokenizer train\``,
    );
  }
  const parsed = tokenizerSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? issue.path.join(".") : "(top level)";
    throw invalidRequest(`${source} is not a tokenizer file: ${where}: ${issue.message}`);
  }
  return parsed.data as TokenizerData;
}

/**
 * Canonical JSON: keys in a fixed order, one piece/score/type per line so diffs stay readable.
 * The same data always gives the same bytes.
 */
export function serializeTokenizer(data: TokenizerData): string {
  const ordered: TokenizerData = {
    format: data.format,
    version: data.version,
    model: data.model,
    pieces: data.pieces,
    scores: data.scores,
    types: data.types,
    special: { unk: data.special.unk, bos: data.special.bos, eos: data.special.eos, pad: data.special.pad },
    addBos: data.addBos,
    addEos: data.addEos,
    normalizer: { escapeWhitespace: true, addSpacePrefix: false, byteFallback: true },
    training: data.training && {
      algorithm: data.training.algorithm,
      vocabSize: data.training.vocabSize,
      characterCoverage: data.training.characterCoverage,
      maxPieceLength: data.training.maxPieceLength,
      minPairFrequency: data.training.minPairFrequency,
      maxDistinctChunks: data.training.maxDistinctChunks,
      pretokenizer: data.training.pretokenizer,
    },
    corpus: data.corpus.map((f) => ({ name: f.name, bytes: f.bytes, sha256: f.sha256 })),
  };
  return `${JSON.stringify(ordered, null, 1)}\n`;
}
