import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlmopsError } from "../../errors.js";
import { GGML_TYPE } from "./constants.js";
import { encodeF16 } from "./float16.js";
import { quantizeQ4_0, quantizeQ8_0 } from "./quantize.js";
import { parseGguf, readGgufFile, readGgufTensorData, tensorBytes } from "./reader.js";
import type { GgufKv } from "./types.js";
import { gguf, kv } from "./values.js";
import { encodeGguf, writeGguf } from "./writer.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "llmops-gguf-io-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** One key per GGUF value type, arrays of each item type, an empty array and nested arrays. */
const everyType: GgufKv[] = [
  kv("t.uint8", gguf.uint8(255)),
  kv("t.int8", gguf.int8(-128)),
  kv("t.uint16", gguf.uint16(65535)),
  kv("t.int16", gguf.int16(-32768)),
  kv("t.uint32", gguf.uint32(4294967295)),
  kv("t.int32", gguf.int32(-2147483648)),
  kv("t.float32", gguf.float32(0.5)),
  kv("t.float64", gguf.float64(Math.PI)),
  kv("t.uint64", gguf.uint64(18446744073709551615n)),
  kv("t.int64", gguf.int64(-9223372036854775808n)),
  kv("t.bool.true", gguf.bool(true)),
  kv("t.bool.false", gguf.bool(false)),
  kv("t.string", gguf.string("héllo 世界 🙂")),
  kv("t.string.empty", gguf.string("")),
  kv("t.arr.uint8", gguf.numbers("uint8", [0, 1, 255])),
  kv("t.arr.int16", gguf.numbers("int16", [-5, 5])),
  kv("t.arr.int32", gguf.numbers("int32", [-1, 0, 7])),
  kv("t.arr.float32", gguf.numbers("float32", [1.5, -2.25])),
  kv("t.arr.float64", gguf.numbers("float64", [1e300, -1e-300])),
  kv("t.arr.uint64", gguf.bigints("uint64", [0n, 2n ** 63n])),
  kv("t.arr.int64", gguf.bigints("int64", [-1n, 5n])),
  kv("t.arr.bool", gguf.bools([true, false, true])),
  kv("t.arr.string", gguf.strings(["a", "", "▁b", "<0x0A>"])),
  kv("t.arr.empty", gguf.strings([])),
  kv("t.arr.nested", gguf.arrays([gguf.numbers("uint32", [1, 2]), gguf.strings(["x"]), gguf.arrays([gguf.bools([])])])),
];

function f32Bytes(a: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(a).buffer);
}

describe("GGUF write -> read round trip", () => {
  it("keeps every metadata value type and the tensor index", async () => {
    const rows = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i));
    const path = join(dir, "all-types.gguf");
    const res = await writeGguf(path, {
      metadata: everyType,
      tensors: [
        { name: "vec", dims: [3], type: "F32", data: f32Bytes([1, 2, 3]) },
        { name: "m.f16", dims: [32, 2], type: GGML_TYPE.F16, data: encodeF16(rows) },
        { name: "m.q8", dims: [32, 2], type: "Q8_0", data: quantizeQ8_0(rows) },
        { name: "m.q4", dims: [64, 1], type: "q4_0", data: quantizeQ4_0(rows) },
      ],
    });
    const file = await readGgufFile(path);
    expect(file.version).toBe(3);
    expect(file.alignment).toBe(32);
    expect(file.fileSize).toBe(res.bytes);
    expect(file.dataOffset).toBe(res.dataOffset);
    expect([...file.metadata.keys()]).toEqual(everyType.map((e) => e.key));
    for (const e of everyType) {
      const got = file.metadata.get(e.key);
      if (e.value.type === "float32") expect(got).toEqual({ type: "float32", value: Math.fround(e.value.value) });
      else expect(got).toEqual(e.value);
    }
    expect(file.tensors.map((t) => [t.name, t.dims, t.typeName, t.offset, t.byteSize, t.nElements])).toEqual([
      ["vec", [3], "F32", 0, 12, 3],
      ["m.f16", [32, 2], "F16", 32, 128, 64],
      ["m.q8", [32, 2], "Q8_0", 160, 68, 64],
      ["m.q4", [64, 1], "Q4_0", 256, 36, 64],
    ]);
    const q8 = file.tensors[2]!;
    expect(await readGgufTensorData(path, q8)).toEqual(Buffer.from(quantizeQ8_0(rows)));
    // encodeGguf produces exactly the same bytes as the streaming writer
    const mem = encodeGguf({
      metadata: everyType,
      tensors: [
        { name: "vec", dims: [3], type: "F32", data: f32Bytes([1, 2, 3]) },
        { name: "m.f16", dims: [32, 2], type: GGML_TYPE.F16, data: encodeF16(rows) },
        { name: "m.q8", dims: [32, 2], type: "Q8_0", data: quantizeQ8_0(rows) },
        { name: "m.q4", dims: [64, 1], type: "q4_0", data: quantizeQ4_0(rows) },
      ],
    });
    expect(mem.equals(await readFile(path))).toBe(true);
    expect(Buffer.from(tensorBytes(mem, parseGguf(mem).tensors[3]!))).toEqual(Buffer.from(quantizeQ4_0(rows)));
  });

  it("streams tensor data from chunks and honours a custom alignment", async () => {
    const path = join(dir, "stream.gguf");
    const data = f32Bytes(Array.from({ length: 40 }, (_, i) => i));
    await writeGguf(
      path,
      {
        metadata: [kv("general.architecture", gguf.string("x"))],
        tensors: [
          { name: "a", dims: [5], type: "F32", data: data.subarray(0, 20) },
          {
            name: "b",
            dims: [5, 7],
            type: "F32",
            data: {
              byteLength: 140,
              async *chunks() {
                for (let i = 20; i < 160; i += 50) yield data.subarray(i, Math.min(160, i + 50));
              },
            },
          },
        ],
      },
      { alignment: 64 },
    );
    const file = await readGgufFile(path);
    expect(file.alignment).toBe(64);
    expect(file.metadata.get("general.alignment")).toEqual({ type: "uint32", value: 64 });
    expect(file.dataOffset % 64).toBe(0);
    expect(file.tensors[1]!.offset).toBe(64);
    expect(await readGgufTensorData(path, file.tensors[1]!)).toEqual(Buffer.from(data.subarray(20, 160)));
  });

  it("reads a header larger than the first read window without reading tensor data", async () => {
    const path = join(dir, "big-header.gguf");
    const tokens = Array.from({ length: 200_000 }, (_, i) => `token-${i}-${"x".repeat(i % 13)}`);
    await writeGguf(path, {
      metadata: [kv("tokenizer.ggml.tokens", gguf.strings(tokens))],
      tensors: [{ name: "w", dims: [4], type: "F32", data: f32Bytes([1, 2, 3, 4]) }],
    });
    expect((await stat(path)).size).toBeGreaterThan(3 << 20);
    const file = await readGgufFile(path);
    const got = file.metadata.get("tokenizer.ggml.tokens");
    expect(got?.type === "array" && got.value.length).toBe(200_000);
    expect(got?.type === "array" && got.value[199_999]).toBe(tokens[199_999]);
  });
});

describe("writer rejects bad input without leaving files behind", () => {
  const ok = { name: "w", dims: [4], type: "F32", data: f32Bytes([1, 2, 3, 4]) };
  const cases: [string, Parameters<typeof encodeGguf>[0], RegExp][] = [
    [
      "duplicate key",
      { metadata: [kv("a", gguf.bool(true)), kv("a", gguf.bool(false))], tensors: [] },
      /duplicate metadata key 'a'/,
    ],
    ["uint8 out of range", { metadata: [kv("a", gguf.uint8(256))], tensors: [] }, /not a valid uint8/],
    ["int32 not integer", { metadata: [kv("a", gguf.int32(1.5))], tensors: [] }, /not a valid int32/],
    ["uint64 negative", { metadata: [kv("a", gguf.uint64(-1n))], tensors: [] }, /does not fit uint64/],
    [
      "string array with number",
      { metadata: [kv("a", { type: "array", itemType: "string", value: [1] as unknown as string[] })], tensors: [] },
      /must be a string/,
    ],
    ["duplicate tensor", { metadata: [], tensors: [ok, ok] }, /duplicate tensor name 'w'/],
    ["wrong byte size", { metadata: [], tensors: [{ ...ok, dims: [5] }] }, /must be 20 bytes, got 16/],
    [
      "row not multiple of block",
      { metadata: [], tensors: [{ name: "q", dims: [16, 2], type: "Q8_0", data: new Uint8Array(34) }] },
      /not a multiple of Q8_0's block size 32/,
    ],
    ["unknown type", { metadata: [], tensors: [{ ...ok, type: "Q9_9" }] }, /unknown or unsupported ggml type Q9_9/],
    ["five dims", { metadata: [], tensors: [{ ...ok, dims: [1, 1, 1, 1, 4] }] }, /1 to 4 dimensions/],
    ["long name", { metadata: [], tensors: [{ ...ok, name: "n".repeat(64) }] }, /longer than 63 bytes/],
  ];
  for (const [label, input, msg] of cases) {
    it(label, async () => {
      expect(() => encodeGguf(input)).toThrow(msg);
      const path = join(dir, `bad-${label.replace(/\W/g, "_")}.gguf`);
      const err = await writeGguf(path, input).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LlmopsError);
      expect((err as LlmopsError).code).toBe("invalid_request");
      expect((await readdir(dir)).filter((f) => f.includes(label.replace(/\W/g, "_")))).toEqual([]);
    });
  }

  it("a stream that yields the wrong number of bytes fails and removes the temp file", async () => {
    const path = join(dir, "short-stream.gguf");
    await writeFile(path, "previous content");
    const err = await writeGguf(path, {
      metadata: [],
      tensors: [{ name: "w", dims: [4], type: "F32", data: { byteLength: 16, chunks: () => [new Uint8Array(8)] } }],
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/produced only 8 of 16 declared bytes/);
    expect(await readFile(path, "utf8")).toBe("previous content"); // old file untouched
    expect((await readdir(dir)).filter((f) => f.startsWith(".short-stream"))).toEqual([]);
  });
});
