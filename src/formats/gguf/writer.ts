// GGUF v3 writer. The header is built in memory (it is small); tensor data is streamed tensor by
// tensor into a temp file in the destination directory, which is renamed into place only once
// everything is written and synced -- a crash or bad input never leaves a half-written model.
import { randomBytes } from "node:crypto";
import { type FileHandle, open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { invalidRequest } from "../../errors.js";
import {
  GGML_MAX_DIMS,
  GGML_MAX_NAME_BYTES,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_VERSION,
  type GgmlTypeInfo,
  ggmlTypeByName,
  ggmlTypeInfo,
} from "./constants.js";
import type { GgufKv, GgufTensorInput, GgufWriteInput, GgufWriteOptions, GgufWriteResult } from "./types.js";
import { Sink, writeKv } from "./write-values.js";

interface PlannedTensor {
  input: GgufTensorInput;
  info: GgmlTypeInfo;
  byteSize: number;
  offset: number;
}

function resolveType(t: GgufTensorInput): GgmlTypeInfo {
  const info = typeof t.type === "number" ? ggmlTypeInfo(t.type) : ggmlTypeByName(t.type);
  if (info === undefined || info.removed) {
    throw invalidRequest(`tensor '${t.name}': unknown or unsupported ggml type ${String(t.type)}`);
  }
  return info;
}

function planTensors(tensors: readonly GgufTensorInput[], alignment: number): PlannedTensor[] {
  const names = new Set<string>();
  let offset = 0;
  return tensors.map((input) => {
    const { name, dims } = input;
    if (typeof name !== "string" || name === "") throw invalidRequest("every tensor needs a non-empty name");
    if (Buffer.byteLength(name, "utf8") > GGML_MAX_NAME_BYTES) {
      throw invalidRequest(
        `tensor name '${name}' is longer than ${GGML_MAX_NAME_BYTES} bytes; llama.cpp cannot load it`,
      );
    }
    if (names.has(name)) throw invalidRequest(`duplicate tensor name '${name}'`);
    names.add(name);
    if (!Array.isArray(dims) || dims.length < 1 || dims.length > GGML_MAX_DIMS) {
      throw invalidRequest(`tensor '${name}': needs 1 to ${GGML_MAX_DIMS} dimensions, got ${JSON.stringify(dims)}`);
    }
    let n = 1;
    for (const d of dims) {
      if (!Number.isSafeInteger(d) || d < 1)
        throw invalidRequest(`tensor '${name}': dimension ${d} is not a positive integer`);
      n *= d;
    }
    if (!Number.isSafeInteger(n)) throw invalidRequest(`tensor '${name}': too many elements`);
    const info = resolveType(input);
    if (dims[0]! % info.blockSize !== 0) {
      throw invalidRequest(
        `tensor '${name}': row length ${dims[0]} is not a multiple of ${info.name}'s block size ${info.blockSize}`,
      );
    }
    const byteSize = (n / info.blockSize) * info.typeSize;
    if (input.data.byteLength !== byteSize) {
      throw invalidRequest(
        `tensor '${name}': ${info.name} data for dims [${dims.join(", ")}] must be ${byteSize} bytes, got ${input.data.byteLength}`,
      );
    }
    const planned = { input, info, byteSize, offset };
    offset += Math.ceil(byteSize / alignment) * alignment;
    return planned;
  });
}

function resolveAlignment(
  metadata: readonly GgufKv[],
  options: GgufWriteOptions,
): { alignment: number; metadata: GgufKv[] } {
  const keys = new Set<string>();
  for (const e of metadata) {
    if (typeof e.key !== "string" || e.key === "") throw invalidRequest("every metadata entry needs a non-empty key");
    if (keys.has(e.key)) throw invalidRequest(`duplicate metadata key '${e.key}'`);
    keys.add(e.key);
  }
  const declared = metadata.find((e) => e.key === "general.alignment")?.value;
  if (declared !== undefined && declared.type !== "uint32") throw invalidRequest("general.alignment must be a uint32");
  const fromMeta = declared?.type === "uint32" ? declared.value : undefined;
  const alignment = options.alignment ?? fromMeta ?? GGUF_DEFAULT_ALIGNMENT;
  if (!Number.isInteger(alignment) || alignment < 1 || alignment > 1 << 20 || (alignment & (alignment - 1)) !== 0) {
    throw invalidRequest(`alignment must be a power of two up to 1 MiB, got ${alignment}`);
  }
  if (fromMeta !== undefined && fromMeta !== alignment) {
    throw invalidRequest(`alignment option ${alignment} contradicts general.alignment ${fromMeta} in the metadata`);
  }
  // readers assume 32 unless general.alignment says otherwise
  const out = [...metadata];
  if (fromMeta === undefined && alignment !== GGUF_DEFAULT_ALIGNMENT) {
    out.push({ key: "general.alignment", value: { type: "uint32", value: alignment } });
  }
  return { alignment, metadata: out };
}

function encodeHeader(input: GgufWriteInput, options: GgufWriteOptions) {
  if (input === null || typeof input !== "object" || !Array.isArray(input.metadata) || !Array.isArray(input.tensors)) {
    throw invalidRequest("GGUF input must be { metadata: GgufKv[], tensors: GgufTensorInput[] }");
  }
  const { alignment, metadata } = resolveAlignment(input.metadata, options);
  const planned = planTensors(input.tensors, alignment);
  const s = new Sink();
  s.bytes(Buffer.from(GGUF_MAGIC, "latin1"));
  s.u32(GGUF_VERSION);
  s.u64(planned.length);
  s.u64(metadata.length);
  for (const e of metadata) writeKv(s, e);
  for (const t of planned) {
    s.str(t.input.name);
    s.u32(t.input.dims.length);
    for (const d of t.input.dims) s.u64(d);
    s.u32(t.info.id);
    s.u64(t.offset);
  }
  s.pad(alignment);
  return { header: s.done(), planned, alignment };
}

const padding = (n: number, alignment: number) => Buffer.alloc((alignment - (n % alignment)) % alignment);

/** Encodes a whole GGUF in memory; for small models and tests (tensor data must be Uint8Array). */
export function encodeGguf(input: GgufWriteInput, options: GgufWriteOptions = {}): Buffer {
  const { header, planned, alignment } = encodeHeader(input, options);
  const parts: Uint8Array[] = [header];
  for (const t of planned) {
    if (!(t.input.data instanceof Uint8Array)) {
      throw invalidRequest(
        `tensor '${t.input.name}': encodeGguf needs in-memory data; use writeGguf for streamed tensors`,
      );
    }
    parts.push(t.input.data, padding(t.byteSize, alignment));
  }
  return Buffer.concat(parts);
}

async function writeAll(fh: FileHandle, data: Uint8Array): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, data.length - done);
    done += bytesWritten;
  }
}

async function writeTensorData(fh: FileHandle, t: PlannedTensor): Promise<void> {
  const { data, name } = t.input;
  if (data instanceof Uint8Array) return writeAll(fh, data);
  let written = 0;
  for await (const chunk of data.chunks()) {
    written += chunk.length;
    if (written > t.byteSize) break;
    await writeAll(fh, chunk);
  }
  if (written !== t.byteSize) {
    throw invalidRequest(
      `tensor '${name}': stream produced ${written > t.byteSize ? "more than" : "only"} ${written} of ${t.byteSize} declared bytes`,
    );
  }
}

/** Writes a GGUF v3 file atomically (temp file in the same directory, fsync, rename). */
export async function writeGguf(
  path: string,
  input: GgufWriteInput,
  options: GgufWriteOptions = {},
): Promise<GgufWriteResult> {
  const { header, planned, alignment } = encodeHeader(input, options);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const fh = await open(tmp, "wx");
  let bytes = 0;
  try {
    try {
      await writeAll(fh, header);
      bytes = header.length;
      for (const t of planned) {
        await writeTensorData(fh, t);
        const pad = padding(t.byteSize, alignment);
        await writeAll(fh, pad);
        bytes += t.byteSize + pad.length;
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  return { path, bytes, dataOffset: header.length };
}
