// Q8_0 / Q4_0 quantizers and F16/Q8_0/Q4_0/BF16 dequantizers with ggml's reference semantics.
// ggml computes the scales in float32; JavaScript computes in float64, so every intermediate is
// rounded with Math.fround. For division and multiplication of float32 inputs a float64 result
// rounded once to float32 equals the float32 operation, which makes the output byte-identical to
// llama.cpp's quantize_row_q8_0_ref / quantize_row_q4_0_ref (checked against llama_model_quantize
// output in quantize.golden.test.ts).
import { invalidRequest } from "../../errors.js";
import { GGML_TYPE, ggmlTypeInfo } from "./constants.js";
import { bf16ToF32, encodeF16, f16ToF32, f32ToBf16, f32ToF16 } from "./float16.js";

export const QK8_0 = 32;
export const QK4_0 = 32;
const Q8_0_BYTES = 34; // f16 scale + 32 x int8
const Q4_0_BYTES = 18; // f16 scale + 16 bytes of nibbles

function checkBlocks(n: number, what: string): number {
  if (n % 32 !== 0) {
    throw invalidRequest(`${what}: ${n} values is not a multiple of the 32-value block size; keep this tensor F32`);
  }
  return n / 32;
}

export function quantizeQ8_0(src: Float32Array): Uint8Array {
  const nb = checkBlocks(src.length, "Q8_0");
  const out = new Uint8Array(nb * Q8_0_BYTES);
  const view = new DataView(out.buffer);
  for (let b = 0; b < nb; b++) {
    const base = b * 32;
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(src[base + j]!));
    const d = Math.fround(amax / 127);
    const id = d ? Math.fround(1 / d) : 0;
    view.setUint16(b * Q8_0_BYTES, f32ToF16(d), true);
    for (let j = 0; j < 32; j++) {
      const x = Math.fround(src[base + j]! * id);
      // roundf rounds halves away from zero; Math.round would round -2.5 to -2
      view.setInt8(b * Q8_0_BYTES + 2 + j, Math.sign(x) * Math.round(Math.abs(x)));
    }
  }
  return out;
}

/** Low nibble of byte j holds element j, the high nibble element j+16 (ggml's layout). */
export function quantizeQ4_0(src: Float32Array): Uint8Array {
  const nb = checkBlocks(src.length, "Q4_0");
  const out = new Uint8Array(nb * Q4_0_BYTES);
  const view = new DataView(out.buffer);
  for (let b = 0; b < nb; b++) {
    const base = b * 32;
    let amax = 0;
    let max = 0;
    for (let j = 0; j < 32; j++) {
      const v = src[base + j]!;
      if (Math.abs(v) > amax) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = Math.fround(max / -8);
    const id = d ? Math.fround(1 / d) : 0;
    view.setUint16(b * Q4_0_BYTES, f32ToF16(d), true);
    for (let j = 0; j < 16; j++) {
      const x0 = Math.fround(src[base + j]! * id);
      const x1 = Math.fround(src[base + 16 + j]! * id);
      const q0 = Math.min(15, Math.trunc(Math.fround(x0 + 8.5)));
      const q1 = Math.min(15, Math.trunc(Math.fround(x1 + 8.5)));
      out[b * Q4_0_BYTES + 2 + j] = q0 | (q1 << 4);
    }
  }
  return out;
}

export function encodeBf16(src: Float32Array): Uint8Array {
  const out = new Uint8Array(src.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < src.length; i++) view.setUint16(i * 2, f32ToBf16(src[i]!), true);
  return out;
}

/** Encodes float32 values as tensor bytes of `type` (F32, F16, BF16, Q8_0 or Q4_0). */
export function encodeTensor(type: number, src: Float32Array): Uint8Array {
  switch (type) {
    case GGML_TYPE.F32:
      return new Uint8Array(src.buffer.slice(src.byteOffset, src.byteOffset + src.byteLength));
    case GGML_TYPE.F16:
      return encodeF16(src);
    case GGML_TYPE.BF16:
      return encodeBf16(src);
    case GGML_TYPE.Q8_0:
      return quantizeQ8_0(src);
    case GGML_TYPE.Q4_0:
      return quantizeQ4_0(src);
    default:
      throw invalidRequest(
        `cannot encode tensors as ${ggmlTypeInfo(type)?.name ?? `type ${type}`}; use F32, F16, BF16, Q8_0 or Q4_0`,
      );
  }
}

/** Decodes `n` values of tensor bytes of `type` (F32, F16, BF16, Q8_0 or Q4_0) to float32. */
export function dequantize(type: number, bytes: Uint8Array, n: number): Float32Array {
  const info = ggmlTypeInfo(type);
  const name = info?.name ?? `type ${type}`;
  if (info === undefined || n % info.blockSize !== 0 || bytes.length < (n / info.blockSize) * info.typeSize) {
    throw invalidRequest(`cannot dequantize ${n} values of ${name} from ${bytes.length} bytes`);
  }
  const out = new Float32Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (type) {
    case GGML_TYPE.F32:
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    case GGML_TYPE.F16:
      for (let i = 0; i < n; i++) out[i] = f16ToF32(view.getUint16(i * 2, true));
      return out;
    case GGML_TYPE.BF16:
      for (let i = 0; i < n; i++) out[i] = bf16ToF32(view.getUint16(i * 2, true));
      return out;
    case GGML_TYPE.Q8_0:
      for (let b = 0; b < n / 32; b++) {
        const d = f16ToF32(view.getUint16(b * Q8_0_BYTES, true));
        for (let j = 0; j < 32; j++) out[b * 32 + j] = view.getInt8(b * Q8_0_BYTES + 2 + j) * d;
      }
      return out;
    case GGML_TYPE.Q4_0:
      for (let b = 0; b < n / 32; b++) {
        const d = f16ToF32(view.getUint16(b * Q4_0_BYTES, true));
        for (let j = 0; j < 16; j++) {
          const q = bytes[b * Q4_0_BYTES + 2 + j]!;
          out[b * 32 + j] = ((q & 15) - 8) * d;
          out[b * 32 + 16 + j] = ((q >> 4) - 8) * d;
        }
      }
      return out;
    default:
      throw invalidRequest(`dequantizing ${name} is not supported; supported: F32, F16, BF16, Q8_0, Q4_0`);
  }
}
