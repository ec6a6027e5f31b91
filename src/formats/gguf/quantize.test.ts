import { describe, expect, it } from "vitest";
import { GGML_TYPE } from "./constants.js";
import { bf16ToF32, encodeF16, f16ToF32, f32ToBf16, f32ToF16 } from "./float16.js";
import { dequantize, encodeTensor, quantizeQ4_0, quantizeQ8_0 } from "./quantize.js";
import { normalSampler } from "./random.js";

describe("float16", () => {
  it("converts known values with round-to-nearest-even", () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff], // largest finite
      [65519, 0x7bff], // rounds down to it
      [65520, 0x7c00], // ties away to Inf
      [1e6, 0x7c00],
      [-Infinity, 0xfc00],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // tie between 0 and 2^-24 -> even (0)
      [3 * 2 ** -25, 0x0002], // tie between 1 and 2 ulps -> even (2)
      [1 + 2 ** -11, 0x3c00], // tie -> even mantissa
      [1 + 3 * 2 ** -11, 0x3c02],
      [0.1, 0x2e66],
    ];
    for (const [v, h] of cases) expect(f32ToF16(v), `f32ToF16(${v})`).toBe(h);
    expect(f32ToF16(Number.NaN) & 0x7e00).toBe(0x7e00);
  });

  it("round-trips every finite half exactly", () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00) continue; // Inf/NaN
      expect(f32ToF16(f16ToF32(h))).toBe(h);
    }
  });

  it("bfloat16 rounds to nearest even and keeps NaN quiet", () => {
    expect(f32ToBf16(1)).toBe(0x3f80);
    expect(bf16ToF32(0x3f80)).toBe(1);
    expect(f32ToBf16(1 + 2 ** -8)).toBe(0x3f80); // tie -> even
    expect(f32ToBf16(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(Number.isNaN(bf16ToF32(f32ToBf16(Number.NaN)))).toBe(true);
    const src = Float32Array.from([0.5, -3.25, 1e30]);
    const back = dequantize(GGML_TYPE.BF16, encodeTensor(GGML_TYPE.BF16, src), 3);
    expect([back[0], back[1]]).toEqual([0.5, -3.25]);
    expect(Math.abs(back[2]! / 1e30 - 1)).toBeLessThan(2 ** -8);
  });
});

describe("Q8_0 / Q4_0", () => {
  const g = normalSampler(99);
  const src = Float32Array.from({ length: 32 * 64 }, () => g());

  it("uses ggml's block layouts", () => {
    const block = Float32Array.from({ length: 32 }, (_, j) => j - 16); // amax 16, max -16
    const q8 = quantizeQ8_0(block);
    expect(q8.length).toBe(34);
    expect(q8[0]! | (q8[1]! << 8)).toBe(f32ToF16(16 / 127));
    expect(new Int8Array(q8.buffer, 2, 32)[0]).toBe(-127);
    const q4 = quantizeQ4_0(block);
    expect(q4.length).toBe(18);
    expect(f16ToF32(q4[0]! | (q4[1]! << 8))).toBe(2); // d = max / -8
    // element 0 (-16 -> q 0) in the low nibble, element 16 (0 -> q 8) in the high nibble of byte 0
    expect(q4[2]).toBe(0x80);
  });

  it("an all-zero block has scale 0 and zero quants", () => {
    const zero = new Float32Array(32);
    expect([...quantizeQ8_0(zero)]).toEqual(Array(34).fill(0));
    const q4 = quantizeQ4_0(zero);
    expect([...q4.subarray(0, 2)]).toEqual([0, 0x80]); // d = 0 / -8 = -0, as in ggml
    expect([...q4.subarray(2)]).toEqual(Array(16).fill(0x88)); // 0 -> q 8 in both nibbles
    expect(dequantize(GGML_TYPE.Q4_0, q4, 32).every((v) => v === 0)).toBe(true);
  });

  it("dequantizes within the quantization step", () => {
    for (const [type, steps] of [
      [GGML_TYPE.Q8_0, 127],
      [GGML_TYPE.Q4_0, 8],
      [GGML_TYPE.F16, 2048],
    ] as const) {
      const back = dequantize(type, encodeTensor(type, src), src.length);
      for (let b = 0; b < src.length / 32; b++) {
        let amax = 0;
        for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(src[b * 32 + j]!));
        for (let j = 0; j < 32; j++) {
          const i = b * 32 + j;
          const tol = type === GGML_TYPE.F16 ? Math.abs(src[i]!) / steps : amax / steps;
          expect(Math.abs(back[i]! - src[i]!)).toBeLessThanOrEqual(tol * 1.01);
        }
      }
    }
  });

  it("F32 encoding copies the values and F16 matches encodeF16", () => {
    const f32 = encodeTensor(GGML_TYPE.F32, src);
    expect(dequantize(GGML_TYPE.F32, f32, src.length)).toEqual(src);
    expect(encodeTensor(GGML_TYPE.F16, src)).toEqual(encodeF16(src));
  });

  it("rejects lengths that are not whole blocks and unsupported types", () => {
    expect(() => quantizeQ8_0(new Float32Array(48))).toThrow(/48 values is not a multiple of the 32-value block size/);
    expect(() => quantizeQ4_0(new Float32Array(1))).toThrow(/Q4_0: 1 values/);
    expect(() => encodeTensor(12, src)).toThrow(/cannot encode tensors as Q4_K/);
    expect(() => dequantize(GGML_TYPE.Q8_0, new Uint8Array(10), 32)).toThrow(
      /cannot dequantize 32 values of Q8_0 from 10 bytes/,
    );
    expect(() => dequantize(14, new Uint8Array(210), 256)).toThrow(/dequantizing Q6_K is not supported/);
  });
});
