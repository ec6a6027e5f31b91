// Byte-identity with llama.cpp: test/fixtures/gguf holds files that llama.cpp's own quantizer
// (llama_model_quantize) made from an F32 model written by our writer (scripts/gguf-golden).
// We rebuild the same weights from the seed, encode each tensor ourselves and require every
// tensor's bytes to equal llama.cpp's.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GOLDEN_DIR, goldenModel, goldenSpec } from "../../../scripts/gguf-golden/source.js";
import { GGML_TYPE } from "./constants.js";
import { llamaTensorType } from "./llama.js";
import { dequantize, encodeTensor } from "./quantize.js";
import { parseGguf, tensorBytes } from "./reader.js";
import { summarizeGguf } from "./summary.js";
import { metaArrayLength, metaNumber, metaString } from "./values.js";

const ENCODABLE = new Set<number>([GGML_TYPE.F32, GGML_TYPE.F16, GGML_TYPE.Q8_0, GGML_TYPE.Q4_0]);
const { hparams, weights } = goldenModel();

function loadGolden(target: "F16" | "Q8_0" | "Q4_0") {
  const path = `${GOLDEN_DIR}${goldenSpec.outputs[target]}`;
  if (!existsSync(path)) {
    throw new Error(`golden file ${path} is missing; regenerate it with: bash scripts/gguf-golden/make-golden.sh`);
  }
  const buf = readFileSync(path);
  return { buf, file: parseGguf(buf, { source: path }) };
}

describe.each([
  ["F16", 1],
  ["Q8_0", 7],
  ["Q4_0", 2],
] as const)("llama.cpp %s golden file", (target, fileType) => {
  const { buf, file } = loadGolden(target);

  it("is read completely by our reader", () => {
    expect(file.version).toBe(3);
    expect(file.tensors).toHaveLength(3 + 9 * hparams.nLayer);
    expect(metaNumber(file.metadata, "general.file_type")).toBe(fileType);
    expect(metaNumber(file.metadata, "general.quantization_version")).toBe(2);
    expect(metaString(file.metadata, "general.name")).toBe("llmops-gguf-golden");
    expect(metaArrayLength(file.metadata, "tokenizer.ggml.tokens")).toBe(hparams.nVocab);
    const s = summarizeGguf(file);
    expect(s).toMatchObject({ architecture: "llama", quantization: target, embeddingLength: 64, headCountKv: 2 });
    expect(s.parameterCount).toBe(Object.values(weights).reduce((a, w) => a + w.length, 0));
    const last = file.tensors.reduce((a, t) => (t.fileOffset > a.fileOffset ? t : a));
    expect(last.fileOffset + last.byteSize).toBeLessThanOrEqual(buf.length);
  });

  it("has the same bytes as our encoder for every tensor", () => {
    const compared: string[] = [];
    const differing: string[] = [];
    const policyDiffers: string[] = [];
    for (const t of file.tensors) {
      const w = weights[t.name];
      expect(w, `weights for ${t.name}`).toBeDefined();
      expect(ENCODABLE.has(t.type), `${t.name} is ${t.typeName}`).toBe(true);
      // llama.cpp may choose another type than our policy for a tensor (Q4_0 keeps output.weight in
      // Q8_0 as its Q6_K fallback); encode in the type llama.cpp chose so those bytes are compared too.
      if (llamaTensorType(t.dims, target) !== t.type) policyDiffers.push(`${t.name}:${t.typeName}`);
      const ours = encodeTensor(t.type, w!);
      if (Buffer.compare(Buffer.from(ours), Buffer.from(tensorBytes(buf, t))) !== 0) differing.push(t.name);
      compared.push(`${t.name}:${t.typeName}`);
    }
    expect(differing).toEqual([]);
    // every matrix was compared in the target type, apart from the documented policy difference
    const matrices = compared.filter((c) => !c.includes("norm"));
    expect(matrices).toHaveLength(2 + 7 * hparams.nLayer);
    expect(policyDiffers).toEqual(target === "Q4_0" ? ["output.weight:Q8_0"] : []);
    for (const name of ["token_embd.weight", "blk.0.attn_q.weight", "blk.0.attn_k.weight", "blk.0.ffn_down.weight"]) {
      expect(compared).toContain(`${name}:${target}`);
    }
  });

  it("dequantizes close to the source weights", () => {
    const t = file.tensors.find((x) => x.name === "blk.0.ffn_up.weight")!;
    const back = dequantize(t.type, tensorBytes(buf, t), t.nElements);
    const src = weights[t.name]!;
    let maxErr = 0;
    let maxAbs = 0;
    for (let i = 0; i < src.length; i++) {
      maxErr = Math.max(maxErr, Math.abs(back[i]! - src[i]!));
      maxAbs = Math.max(maxAbs, Math.abs(src[i]!));
    }
    const bound = { F16: 1e-3, Q8_0: 1 / 127, Q4_0: 1 / 7 }[target];
    expect(maxErr / maxAbs).toBeLessThan(bound);
    expect(maxErr).toBeGreaterThan(0);
  });
});
