// GGUF reader: header, every metadata value and the tensor index of any GGUF v2/v3 file.
// A model can be many GB, so readGgufFile reads only the head of the file through a window that
// grows until the header parses; tensor data is never read.
import { open } from "node:fs/promises";
import { LlmopsError } from "../../errors.js";
import { GGML_MAX_DIMS, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GGUF_VERSION, ggmlTypeInfo } from "./constants.js";
import { bad, Cursor, MAX_HEADER_BYTES, NeedMoreBytes, readScalar, valueType } from "./read-values.js";
import type { GgufFile, GgufTensorInfo, GgufValue } from "./types.js";

/** First read of readGgufFile; grown until the header fits. */
const INITIAL_WINDOW = 1 << 20;

function describeStart(buf: Uint8Array): string {
  const head = buf.subarray(0, 4);
  const hex = [...head].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  const text = [...head].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("");
  return `${hex} "${text}"`;
}

/** Parses everything up to the tensor data. Throws NeedMoreBytes when `buf` is only a prefix that ended too soon. */
function parseHeader(buf: Buffer, fileSize: number, source: string): GgufFile {
  if (fileSize === 0) throw bad(source, "file is empty (0 bytes); expected a .gguf model");
  if (fileSize < 4 || buf.toString("latin1", 0, 4) !== GGUF_MAGIC) {
    throw bad(source, `is not a GGUF file (starts with ${describeStart(buf)}); expected a .gguf model`);
  }
  const c = new Cursor(buf, fileSize, source);
  c.pos = 4;
  const version = c.u32("version");
  if ((version & 0xffff) === 0 && version !== 0) {
    throw bad(
      source,
      `GGUF version field reads ${version}: this is a big-endian GGUF, which is not supported; convert it on a little-endian machine`,
    );
  }
  if (version === 1) throw bad(source, "GGUF v1 is no longer supported; re-convert the model with a current llama.cpp");
  if (version < 2 || version > GGUF_VERSION) {
    throw bad(source, `unsupported GGUF version ${version}; this reader supports versions 2 and 3`);
  }
  // Each tensor index entry takes at least 24 bytes (name length, n_dims, type, offset); each kv at least 13.
  const nTensors = c.size("tensor count", Math.floor(c.remaining / 24));
  const nKv = c.size("metadata count", Math.floor((c.remaining - 8) / 13));

  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < nKv; i++) {
    const key = c.str(`metadata key #${i}`);
    if (key === "") throw bad(source, `corrupted GGUF metadata: key #${i} is empty`);
    if (metadata.has(key)) throw bad(source, `corrupted GGUF metadata: duplicate key '${key}'`);
    metadata.set(key, readScalar(c, valueType(c, `'${key}'`), `'${key}'`));
  }

  let alignment = GGUF_DEFAULT_ALIGNMENT;
  const al = metadata.get("general.alignment");
  if (al !== undefined) {
    if (al.type !== "uint32" || al.value === 0 || (al.value & (al.value - 1)) !== 0) {
      throw bad(source, `general.alignment must be a uint32 power of two, got ${al.type} ${String(al.value)}`);
    }
    alignment = al.value;
  }

  const tensors: GgufTensorInfo[] = [];
  const names = new Set<string>();
  for (let i = 0; i < nTensors; i++) {
    const name = c.str(`name of tensor #${i}`);
    if (names.has(name)) throw bad(source, `corrupted GGUF tensor index: duplicate tensor name '${name}'`);
    names.add(name);
    const nDims = c.u32(`dimension count of tensor '${name}'`);
    if (nDims > GGML_MAX_DIMS) {
      throw bad(
        source,
        `corrupted GGUF tensor index: tensor '${name}' has ${nDims} dimensions (ggml allows at most ${GGML_MAX_DIMS})`,
      );
    }
    const dims: number[] = [];
    let nElements = 1;
    for (let d = 0; d < nDims; d++) {
      const ne = c.u64(`dimension ${d} of tensor '${name}'`);
      nElements *= Number(ne);
      if (!Number.isSafeInteger(nElements)) {
        throw bad(source, `corrupted GGUF tensor index: tensor '${name}' declares more than 2^53 elements`);
      }
      dims.push(Number(ne));
    }
    const type = c.u32(`type of tensor '${name}'`);
    const info = ggmlTypeInfo(type);
    if (info === undefined) {
      throw bad(
        source,
        `tensor '${name}' has unknown ggml type ${type}; the file may be corrupt or need a newer llmops`,
      );
    }
    const rowLength = dims[0] ?? 1;
    if (rowLength % info.blockSize !== 0) {
      throw bad(
        source,
        `tensor '${name}' of type ${info.name} has rows of ${rowLength} values, not a multiple of its block size ${info.blockSize}`,
      );
    }
    const offset = c.size(`data offset of tensor '${name}'`, Number.MAX_SAFE_INTEGER);
    if (offset % alignment !== 0) {
      throw bad(
        source,
        `corrupted GGUF tensor index: tensor '${name}' data offset ${offset} is not a multiple of the alignment ${alignment}`,
      );
    }
    const byteSize = (nElements / info.blockSize) * info.typeSize;
    tensors.push({ name, dims, type, typeName: info.name, offset, fileOffset: 0, nElements, byteSize });
  }

  const headerSize = c.pos;
  const dataOffset = nTensors > 0 ? Math.ceil(headerSize / alignment) * alignment : headerSize;
  for (const t of tensors) {
    t.fileOffset = dataOffset + t.offset;
    const end = t.fileOffset + t.byteSize;
    if (end > fileSize) {
      throw bad(
        source,
        `truncated GGUF file: tensor '${t.name}' data ends at byte ${end} but the file has only ${fileSize} bytes; re-download or re-export the model`,
      );
    }
  }
  return { version, alignment, metadata, tensors, headerSize, dataOffset, fileSize };
}

/** Parses a whole GGUF file held in memory (tensor data is indexed, not copied). */
export function parseGguf(buf: Uint8Array, options: { source?: string } = {}): GgufFile {
  if (!(buf instanceof Uint8Array)) throw bad(options.source ?? "GGUF buffer", "expected the bytes of a .gguf file");
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  try {
    return parseHeader(b, b.length, options.source ?? "GGUF buffer");
  } catch (e) {
    if (e instanceof NeedMoreBytes) throw new Error("unreachable: whole buffer given"); // fileSize === buf.length
    throw e;
  }
}

/** Reads the header, metadata and tensor index of a GGUF file without reading its tensor data. */
export async function readGgufFile(path: string): Promise<GgufFile> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, "r");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT")
      throw new LlmopsError("not_found", `${path}: no such file; check the model path`, { cause: e });
    if (code === "EISDIR") throw bad(path, "is a directory; expected a .gguf model file");
    throw new LlmopsError("invalid_request", `${path}: cannot open (${code ?? String(e)})`, { cause: e });
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw bad(path, "is a directory; expected a .gguf model file");
    if (!st.isFile()) throw bad(path, "is not a regular file; expected a .gguf model file");
    const fileSize = st.size;
    let buf = Buffer.alloc(0);
    let want = Math.min(fileSize, INITIAL_WINDOW);
    for (;;) {
      if (want > buf.length) {
        const next = Buffer.allocUnsafe(want);
        buf.copy(next);
        const { bytesRead } = await fh.read(next, buf.length, want - buf.length, buf.length);
        if (bytesRead !== want - buf.length) throw bad(path, "file changed size while being read");
        buf = next;
      }
      try {
        return parseHeader(buf, fileSize, path);
      } catch (e) {
        if (!(e instanceof NeedMoreBytes)) throw e;
        if (e.end > MAX_HEADER_BYTES) {
          throw bad(path, `corrupted GGUF header: it claims to be larger than ${MAX_HEADER_BYTES} bytes`);
        }
        // grow 4x: each retry re-parses from the start, so few large steps beat many small ones
        want = Math.min(fileSize, Math.max(buf.length * 4, e.end));
      }
    }
  } finally {
    await fh.close();
  }
}

/** Reads the raw bytes of one tensor (in its stored type) from a GGUF file. */
export async function readGgufTensorData(path: string, tensor: GgufTensorInfo): Promise<Buffer> {
  const fh = await open(path, "r");
  try {
    const out = Buffer.allocUnsafe(tensor.byteSize);
    const { bytesRead } = await fh.read(out, 0, tensor.byteSize, tensor.fileOffset);
    if (bytesRead !== tensor.byteSize) {
      throw bad(
        path,
        `truncated GGUF file: tensor '${tensor.name}' needs ${tensor.byteSize} bytes at ${tensor.fileOffset}`,
      );
    }
    return out;
  } finally {
    await fh.close();
  }
}

/** The bytes of one tensor inside a GGUF file held in memory. */
export function tensorBytes(buf: Uint8Array, tensor: GgufTensorInfo): Uint8Array {
  return buf.subarray(tensor.fileOffset, tensor.fileOffset + tensor.byteSize);
}
