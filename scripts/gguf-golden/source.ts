// The F32 model that the golden files were quantized from. Both make-golden.sh (once, to feed
// llama.cpp's quantizer) and src/formats/gguf/golden.test.ts (every run, to quantize it ourselves)
// rebuild it from test/fixtures/gguf/golden.json with llmops' own writer.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  buildLlamaGguf,
  byteVocab,
  type LlamaHparams,
  type LlamaWeights,
  randomLlamaWeights,
} from "../../src/formats/gguf/index.js";

export const GOLDEN_DIR = fileURLToPath(new URL("../../test/fixtures/gguf/", import.meta.url));

interface GoldenSpec {
  seed: number;
  hparams: Omit<LlamaHparams, "nVocab">;
  specials: string[];
  outputs: Record<"F16" | "Q8_0" | "Q4_0", string>;
}

export const goldenSpec: GoldenSpec = JSON.parse(readFileSync(`${GOLDEN_DIR}golden.json`, "utf8"));

/**
 * Rounding edge cases that random weights almost never hit, written over the first rows of
 * blk.0.ffn_up.weight (rows of 64 values = two 32-value blocks): ties that roundf and Math.round
 * disagree on, Q4_0 values whose float32 sum x+8.5 rounds up to the next integer, an all-zero block,
 * a block whose scale underflows F16, and F16 round-to-even ties and subnormals.
 */
export const EDGE_ROWS: readonly (readonly number[])[] = [
  // Q8_0: amax 127 -> d = 1, so these are the quantized values themselves; then an all-zero block
  [
    127,
    -2.5,
    2.5,
    -0.5,
    0.5,
    -1.5,
    1.5,
    126.5,
    -126.5,
    3.5,
    -3.5,
    -0,
    0,
    1e-3,
    -1e-3,
    64.5,
    -64.5,
    100.49999,
    ...Array(14).fill(7.25),
    ...Array(32).fill(0),
  ],
  // Q4_0: max -8 -> d = 1, id = 1; 0.49999997 + 8.5 is 9 in float32 but 8.99999997 in float64
  [
    -8,
    0.49999997,
    -0.49999997,
    0.5,
    -0.5,
    1.5,
    7.5,
    -7.5,
    2.5,
    8,
    6.4999995,
    -6.5000005,
    ...Array(20).fill(3),
    // scale far below F16's smallest subnormal: stored d is 0 while the nibbles use the float32 scale
    ...Array.from({ length: 32 }, (_, j) => 1e-9 * (j - 16)),
  ],
  // F16: ties to even (1+2^-11 -> 1, 1+3*2^-11 -> up), subnormal ties, the largest finite values
  [
    1 + 2 ** -11,
    1 + 3 * 2 ** -11,
    2 ** -25,
    3 * 2 ** -25,
    2 ** -24,
    65519,
    65504,
    -65519,
    -0,
    6.1e-5,
    6.103515625e-5,
    5.96e-8,
    1e-8,
    -(1 + 2 ** -11),
    0.1,
    1 / 3,
    ...Array.from({ length: 48 }, (_, j) => (j - 24) * 1.0009765625),
  ],
  // large magnitudes (still finite in F16) and a block of equal values
  [...Array.from({ length: 32 }, (_, j) => (j % 2 ? -1 : 1) * 2000.5 * (j + 1)), ...Array(32).fill(3)],
];

export function goldenModel(): { hparams: LlamaHparams; weights: LlamaWeights } {
  const vocab = byteVocab({ specials: goldenSpec.specials });
  const hparams = { ...goldenSpec.hparams, nVocab: vocab.tokens.length };
  const weights = randomLlamaWeights(hparams, goldenSpec.seed);
  const target = weights["blk.0.ffn_up.weight"]!;
  EDGE_ROWS.forEach((row, r) => {
    if (row.length !== hparams.nEmbd)
      throw new Error(`edge row ${r} has ${row.length} values, expected ${hparams.nEmbd}`);
    target.set(row, r * hparams.nEmbd);
  });
  return { hparams, weights };
}

export async function writeGoldenSource(path: string): Promise<void> {
  const { hparams, weights } = goldenModel();
  await buildLlamaGguf(path, {
    hparams,
    weights,
    type: "F32",
    vocab: byteVocab({ specials: goldenSpec.specials }),
    name: "llmops-gguf-golden",
  });
}
