import { mkdir, mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlmopsError } from "../../errors.js";
import { mulberry32 } from "./random.js";
import { parseGguf, readGgufFile } from "./reader.js";
import type { GgufWriteInput } from "./types.js";
import { gguf, kv } from "./values.js";
import { encodeGguf } from "./writer.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "llmops-gguf-reader-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const small: GgufWriteInput = {
  metadata: [kv("general.architecture", gguf.string("llama")), kv("general.name", gguf.string("x"))],
  tensors: [{ name: "w", dims: [8, 2], type: "F32", data: new Uint8Array(64) }],
};
const good = encodeGguf(small);

/** Runs both entry points on the same bytes and returns the LlmopsError message (asserting its code). */
async function failure(bytes: Uint8Array, name: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  const fromFile = await readGgufFile(path).then(
    () => null,
    (e: unknown) => e,
  );
  expect(fromFile, "readGgufFile should fail").toBeInstanceOf(LlmopsError);
  expect((fromFile as LlmopsError).code).toBe("invalid_request");
  let fromBuf: unknown = null;
  try {
    parseGguf(bytes);
  } catch (e) {
    fromBuf = e;
  }
  expect(fromBuf, "parseGguf should fail").toBeInstanceOf(LlmopsError);
  expect((fromBuf as LlmopsError).message.replace("GGUF buffer", path)).toBe((fromFile as LlmopsError).message);
  return (fromFile as LlmopsError).message;
}

/** A copy of `good` with a u32/u64 at `at` replaced. */
function patched(at: number, value: number | bigint, width: 4 | 8): Buffer {
  const b = Buffer.from(good);
  if (width === 4) b.writeUInt32LE(Number(value), at);
  else b.writeBigUInt64LE(BigInt(value), at);
  return b;
}

// Byte offsets in `good`: magic 0, version 4, n_tensors 8, n_kv 16, first key length 24, first key 32..52,
// its type 52, its string length 56.
describe("readGgufFile / parseGguf reject bad input with a clear invalid_request", () => {
  it("empty file", async () => {
    expect(await failure(new Uint8Array(0), "empty.gguf")).toMatch(
      /file is empty \(0 bytes\); expected a \.gguf model/,
    );
  });
  it("random bytes", async () => {
    const rnd = mulberry32(7);
    const bytes = Uint8Array.from({ length: 4096 }, () => Math.floor(rnd() * 256));
    expect(await failure(bytes, "random.gguf")).toMatch(
      /is not a GGUF file \(starts with [0-9a-f ]{11} ".{4}"\); expected a \.gguf model/,
    );
  });
  it("a zip/safetensors-like file names its first bytes", async () => {
    expect(await failure(Buffer.from("PK\x03\x04rest"), "zip.gguf")).toMatch(/starts with 50 4b 03 04 "PK\.\."/);
  });
  it("shorter than the magic", async () => {
    expect(await failure(Buffer.from("GG"), "short.gguf")).toMatch(/is not a GGUF file/);
  });
  it("truncated inside the header", async () => {
    expect(await failure(good.subarray(0, 54), "trunc-type.gguf")).toMatch(
      /truncated GGUF header: type of 'general\.architecture' at byte 52 needs 4 bytes but the file ends at byte 54/,
    );
    expect(await failure(good.subarray(0, 66), "trunc-string.gguf")).toMatch(
      /corrupted or truncated GGUF header: length of 'general\.architecture' is 5, which cannot fit in the 2 bytes left/,
    );
    expect(await failure(good.subarray(0, 40), "trunc-counts.gguf")).toMatch(
      /corrupted or truncated GGUF header: metadata count is 2/,
    );
  });
  it("truncated tensor data", async () => {
    expect(await failure(good.subarray(0, good.length - 10), "trunc-data.gguf")).toMatch(
      /truncated GGUF file: tensor 'w' data ends at byte \d+ but the file has only \d+ bytes/,
    );
  });
  it("huge declared string length", async () => {
    expect(await failure(patched(56, 2n ** 62n, 8), "huge-string.gguf")).toMatch(
      /corrupted or truncated GGUF header: length of 'general\.architecture' is 4611686018427387904/,
    );
  });
  it("huge key length", async () => {
    expect(await failure(patched(24, 0xffffffffffffn, 8), "huge-key.gguf")).toMatch(
      /length of metadata key #0 is 281474976710655/,
    );
  });
  it("huge tensor and metadata counts", async () => {
    expect(await failure(patched(8, 2n ** 40n, 8), "huge-tensors.gguf")).toMatch(/tensor count is 1099511627776/);
    expect(await failure(patched(16, 2n ** 63n, 8), "huge-kv.gguf")).toMatch(/metadata count is 9223372036854775808/);
  });
  it("huge array element count", async () => {
    const arr = encodeGguf({ metadata: [kv("a", gguf.numbers("uint32", [1, 2]))], tensors: [] });
    // key "a": len 24..32, "a" 32, type 33, item type 37, count 41
    const b = Buffer.from(arr);
    b.writeBigUInt64LE(2n ** 34n, 41);
    expect(await failure(b, "huge-array.gguf")).toMatch(/element count of 'a' is 17179869184/);
  });
  it("unsupported versions", async () => {
    expect(await failure(patched(4, 1, 4), "v1.gguf")).toMatch(/GGUF v1 is no longer supported/);
    expect(await failure(patched(4, 4, 4), "v4.gguf")).toMatch(
      /unsupported GGUF version 4; this reader supports versions 2 and 3/,
    );
    expect(await failure(patched(4, 0x03000000, 4), "be.gguf")).toMatch(/big-endian GGUF/);
  });
  it("unknown value type", async () => {
    expect(await failure(patched(52, 13, 4), "bad-vtype.gguf")).toMatch(
      /'general\.architecture' has unknown value type 13/,
    );
  });
  it("bad tensor index entries", async () => {
    const t = good.indexOf(Buffer.from("w")) - 8; // tensor name length; then name(1), n_dims(4), dims(16), type(4), offset(8)
    expect(await failure(patched(t + 9, 5, 4), "dims.gguf")).toMatch(/tensor 'w' has 5 dimensions/);
    expect(await failure(patched(t + 29, 99, 4), "type.gguf")).toMatch(/tensor 'w' has unknown ggml type 99/);
    expect(await failure(patched(t + 29, 8, 4), "block.gguf")).toMatch(
      /tensor 'w' of type Q8_0 has rows of 8 values, not a multiple of its block size 32/,
    );
    expect(await failure(patched(t + 33, 7, 8), "misaligned.gguf")).toMatch(
      /data offset 7 is not a multiple of the alignment 32/,
    );
    expect(await failure(patched(t + 13, 2n ** 60n, 8), "elements.gguf")).toMatch(
      /tensor 'w' declares more than 2\^53 elements/,
    );
  });
  it("duplicate keys and bad alignment", async () => {
    const twice = encodeGguf({ metadata: [kv("k", gguf.bool(true)), kv("l", gguf.bool(false))], tensors: [] });
    twice.write("k", twice.indexOf(Buffer.from("l")), "latin1");
    expect(await failure(twice, "dup.gguf")).toMatch(/duplicate key 'k'/);
    const al = encodeGguf({ metadata: [kv("general.alignment", gguf.uint32(32))], tensors: [] });
    al.writeUInt32LE(48, al.indexOf(Buffer.from("general.alignment")) + 17 + 4);
    expect(await failure(al, "align.gguf")).toMatch(/general\.alignment must be a uint32 power of two, got uint32 48/);
  });
  it("missing files and directories", async () => {
    await expect(readGgufFile(join(dir, "nope.gguf"))).rejects.toMatchObject({ code: "not_found" });
    await mkdir(join(dir, "a-dir.gguf"));
    await expect(readGgufFile(join(dir, "a-dir.gguf"))).rejects.toThrow(/is a directory/);
    await expect(readGgufFile("/dev/null")).rejects.toThrow(/\/dev\/null: is not a regular file/);
    expect(() => parseGguf("GGUF" as unknown as Uint8Array)).toThrow(/expected the bytes of a \.gguf file/);
  });
});

describe("readGgufFile reads what it must and nothing more", () => {
  it("accepts GGUF v2 (same layout as v3)", async () => {
    const v2 = patched(4, 2, 4);
    expect(parseGguf(v2).version).toBe(2);
    expect(parseGguf(v2).tensors[0]?.name).toBe("w");
  });
  it("accepts an empty model (no tensors, no metadata)", () => {
    const f = parseGguf(encodeGguf({ metadata: [], tensors: [] }));
    expect(f).toMatchObject({ version: 3, tensors: [], headerSize: 24, dataOffset: 24, fileSize: 32 });
  });
  it("indexes a multi-GB model without reading its tensor data", async () => {
    // Header of a 32x1 F32 tensor, patched to 32768x16384 (2 GiB); the file is then extended sparsely.
    const twin = encodeGguf({
      metadata: [kv("general.architecture", gguf.string("llama"))],
      tensors: [{ name: "huge", dims: [32, 1], type: "F32", data: new Uint8Array(128) }],
    });
    const dimsAt = twin.indexOf(Buffer.from("huge")) + 4 + 4;
    twin.writeBigUInt64LE(2n ** 15n, dimsAt);
    twin.writeBigUInt64LE(2n ** 14n, dimsAt + 8);
    const path = join(dir, "sparse-2g.gguf");
    const header = twin.subarray(0, twin.length - 128);
    await writeFile(path, header);
    await truncate(path, header.length + 2 ** 31);
    const before = process.memoryUsage().rss;
    const t0 = performance.now();
    const file = await readGgufFile(path);
    const ms = performance.now() - t0;
    expect(file.fileSize).toBe(header.length + 2 ** 31);
    expect(file.tensors[0]).toMatchObject({
      name: "huge",
      dims: [32768, 16384],
      byteSize: 2 ** 31,
      fileOffset: header.length,
    });
    expect(process.memoryUsage().rss - before).toBeLessThan(64 << 20);
    expect(ms).toBeLessThan(2000);
    // one byte short of the declared data is reported as truncated
    await truncate(path, header.length + 2 ** 31 - 1);
    const end = header.length + 2 ** 31;
    await expect(readGgufFile(path)).rejects.toThrow(
      `truncated GGUF file: tensor 'huge' data ends at byte ${end} but the file has only ${end - 1} bytes`,
    );
    await rm(path);
  });
});
