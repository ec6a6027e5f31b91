// safetensors files (https://huggingface.co/docs/safetensors): an 8-byte little-endian header
// length, a JSON header {name: {dtype, shape, data_offsets}, __metadata__: {string: string}}, then
// the raw little-endian tensors. Written atomically (temp file + fsync + rename): a checkpoint is
// either the old one or the new one, never half of each, even under kill -9.
import { randomBytes } from "node:crypto";
import { open, readFile, rename, unlink } from "node:fs/promises";
import path from "node:path";
import { LlmopsError } from "../errors.js";

export interface F32Tensor {
  shape: number[];
  data: Float32Array;
}

export async function writeSafetensors(
  file: string,
  tensors: Record<string, F32Tensor>,
  metadata: Record<string, string> = {},
): Promise<number> {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  const names = Object.keys(tensors).sort();
  for (const name of names) {
    const t = tensors[name] as F32Tensor;
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length)
      throw new RangeError(`tensor ${name}: shape ${t.shape} does not match ${t.data.length} values`);
    header[name] = { dtype: "F32", shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8); // aligned tensor data, as the format recommends
  const headerBytes = Buffer.from(json, "utf8");
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerBytes.length));
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  const fh = await open(tmp, "w");
  try {
    await fh.write(prefix);
    await fh.write(headerBytes);
    for (const name of names) {
      const t = tensors[name] as F32Tensor;
      await fh.write(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    }
    await fh.sync();
    await fh.close();
    await rename(tmp, file);
  } catch (error) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw error;
  }
  return 8 + headerBytes.length + offset;
}

export async function readSafetensors(
  file: string,
): Promise<{ tensors: Record<string, F32Tensor>; metadata: Record<string, string> }> {
  const buf = await readFile(file);
  const bad = (why: string): LlmopsError =>
    new LlmopsError("integrity", `${file} is not a valid safetensors file: ${why}`);
  if (buf.length < 8) throw bad("shorter than its 8-byte header length");
  const n = Number(buf.readBigUInt64LE(0));
  if (n > buf.length - 8) throw bad("truncated header");
  let header: Record<
    string,
    { dtype?: string; shape?: number[]; data_offsets?: [number, number] } | Record<string, string>
  >;
  try {
    header = JSON.parse(buf.subarray(8, 8 + n).toString("utf8"));
  } catch {
    throw bad("header is not JSON");
  }
  const base = 8 + n;
  const tensors: Record<string, F32Tensor> = {};
  let metadata: Record<string, string> = {};
  for (const [name, v] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = v as Record<string, string>;
      continue;
    }
    const t = v as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
    if (t.dtype !== "F32" || !Array.isArray(t.shape) || !Array.isArray(t.data_offsets))
      throw bad(`tensor ${name} is not F32`);
    const [s, e] = t.data_offsets;
    if (s < 0 || e > buf.length - base || e - s !== t.shape.reduce((a, b) => a * b, 1) * 4)
      throw bad(`tensor ${name} is truncated`);
    const data = new Float32Array((e - s) >> 2);
    new Uint8Array(data.buffer).set(buf.subarray(base + s, base + e));
    tensors[name] = { shape: t.shape, data };
  }
  return { tensors, metadata };
}
