import { describe, expect, it } from "vitest";
import { parseGguf } from "./reader.js";
import { summarizeGguf } from "./summary.js";
import { gguf, kv, metadataToJson } from "./values.js";
import { encodeGguf } from "./writer.js";

describe("summarizeGguf", () => {
  it("falls back to the dominant tensor type, tokens length and per-layer maxima", () => {
    const file = parseGguf(
      encodeGguf({
        metadata: [
          kv("general.architecture", gguf.string("openelm")),
          kv("openelm.attention.head_count", gguf.numbers("int32", [4, 8, 6])),
          kv("openelm.context_length", gguf.uint64(4096n)),
          kv("tokenizer.ggml.tokens", gguf.strings(["a", "b", "c"])),
        ],
        tensors: [
          { name: "n", dims: [64], type: "F32", data: new Uint8Array(256) },
          { name: "w", dims: [64, 2], type: "Q8_0", data: new Uint8Array(136) },
        ],
      }),
    );
    expect(summarizeGguf(file)).toEqual({
      architecture: "openelm",
      name: null,
      parameterCount: 192,
      quantization: "Q8_0",
      contextLength: 4096,
      embeddingLength: null,
      blockCount: null,
      headCount: 8,
      headCountKv: null,
      vocabSize: 3,
      chatTemplate: null,
      tokenizerModel: null,
      fileType: null,
    });
  });

  it("names the file type from general.file_type and survives a file with no metadata", () => {
    const typed = parseGguf(encodeGguf({ metadata: [kv("general.file_type", gguf.uint32(15))], tensors: [] }));
    expect(summarizeGguf(typed).quantization).toBe("Q4_K_M");
    const unknown = parseGguf(encodeGguf({ metadata: [kv("general.file_type", gguf.uint32(999))], tensors: [] }));
    expect(summarizeGguf(unknown)).toMatchObject({
      quantization: "unknown",
      fileType: 999,
      parameterCount: 0,
      architecture: null,
    });
  });
});

describe("metadataToJson", () => {
  it("makes metadata JSON-safe and cuts long arrays", () => {
    const file = parseGguf(
      encodeGguf({
        metadata: [
          kv("small", gguf.uint64(5n)),
          kv("big", gguf.uint64(2n ** 63n)),
          kv("nan", gguf.float32(Number.NaN)),
          kv("tokens", gguf.strings(["a", "b", "c"])),
          kv("nested", gguf.arrays([gguf.bigints("int64", [-1n])])),
        ],
        tensors: [],
      }),
    );
    const json = metadataToJson(file.metadata, { maxArrayItems: 2 });
    expect(json).toEqual({
      small: 5,
      big: "9223372036854775808",
      nan: "NaN",
      tokens: { length: 3, head: ["a", "b"] },
      nested: [[-1]],
    });
    expect(() => JSON.stringify(json)).not.toThrow();
  });
});
