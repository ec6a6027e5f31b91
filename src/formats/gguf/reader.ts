// GGUF reader: header, every metadata value and the tensor index of any GGUF v2/v3 file.
// A model can be many GB, so readGgufFile reads only the head of the file through a window that
// grows until the header parses; tensor data is never read. Every length and count is checked
// against the bytes the file actually has before anything is allocated, so a corrupted header
// fails with a clear message instead of an out-of-memory crash.
import { open } from "node:fs/promises";
import { LlmopsError } from "../../errors.js";
import {
  GGML_MAX_DIMS,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_VERSION,
  type GgufValueTypeName,
  ggmlTypeInfo,
  ggufValueTypeName,
} from "./constants.js";
import type { GgufArray, GgufFile, GgufNumberType, GgufTensorInfo, GgufValue } from "./types.js";

/** First read of readGgufFile; grown until the header fits. */
const INITIAL_WINDOW = 1 << 20;
/** No real header comes near this (a 256k-token vocabulary is ~10 MB); larger means corruption. */
export const MAX_HEADER_BYTES = 1 << 30;
/** Largest single metadata string accepted (chat templates are a few KB). */
export const MAX_STRING_BYTES = 64 << 20;
/** Same cap llama.cpp's gguf.cpp applies to one array. */
export const MAX_ARRAY_ELEMENTS = 1 << 30;

/** Smallest encoded size of one item of each value type, used to reject impossible counts. */
const MIN_ITEM_BYTES: Record<GgufValueTypeName, number> = {
  uint8: 1,
  int8: 1,
  bool: 1,
  uint16: 2,
  int16: 2,
  uint32: 4,
  int32: 4,
  float32: 4,
  uint64: 8,
  int64: 8,
  float64: 8,
  string: 8,
  array: 12,
};

/** Internal signal: the window ended before the header did, but the file has more bytes. */
class NeedMoreBytes {
  constructor(readonly end: number) {}
}

const bad = (source: string, message: string) => new LlmopsError("invalid_request", `${source}: ${message}`);

class Cursor {
  pos = 0;
  private readonly view: DataView;
  constructor(
    private readonly buf: Buffer,
    /** Size of the whole file; buf may hold only its first bytes. */
    readonly fileSize: number,
    readonly source: string,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get remaining(): number {
    return this.fileSize - this.pos;
  }

  need(n: number, what: string): number {
    const at = this.pos;
    if (at + n > this.fileSize) {
      throw bad(
        this.source,
        `truncated GGUF header: ${what} at byte ${at} needs ${n} bytes but the file ends at byte ${this.fileSize}; re-download or re-export the model`,
      );
    }
    if (at + n > this.buf.length) throw new NeedMoreBytes(at + n);
    this.pos += n;
    return at;
  }

  u8(what: string) {
    return this.view.getUint8(this.need(1, what));
  }
  i8(what: string) {
    return this.view.getInt8(this.need(1, what));
  }
  u16(what: string) {
    return this.view.getUint16(this.need(2, what), true);
  }
  i16(what: string) {
    return this.view.getInt16(this.need(2, what), true);
  }
  u32(what: string) {
    return this.view.getUint32(this.need(4, what), true);
  }
  i32(what: string) {
    return this.view.getInt32(this.need(4, what), true);
  }
  f32(what: string) {
    return this.view.getFloat32(this.need(4, what), true);
  }
  f64(what: string) {
    return this.view.getFloat64(this.need(8, what), true);
  }
  u64(what: string) {
    return this.view.getBigUint64(this.need(8, what), true);
  }
  i64(what: string) {
    return this.view.getBigInt64(this.need(8, what), true);
  }
  /** A uint64 count/length/offset, which must fit a JS number and `limit`. */
  size(what: string, limit: number): number {
    const v = this.u64(what);
    if (v > BigInt(limit)) {
      throw bad(
        this.source,
        `corrupted or truncated GGUF header: ${what} is ${v}, which cannot fit in the ${this.remaining} bytes left in the file`,
      );
    }
    return Number(v);
  }
  str(what: string): string {
    const len = this.size(`length of ${what}`, Math.min(this.remaining - 8, MAX_STRING_BYTES));
    const at = this.need(len, what);
    // Not fatal on invalid UTF-8: some vocabularies store raw byte pieces; keep the rest readable.
    return this.buf.toString("utf8", at, at + len);
  }
}

function readScalar(c: Cursor, type: GgufValueTypeName, what: string): GgufValue {
  switch (type) {
    case "uint8":
      return { type, value: c.u8(what) };
    case "int8":
      return { type, value: c.i8(what) };
    case "uint16":
      return { type, value: c.u16(what) };
    case "int16":
      return { type, value: c.i16(what) };
    case "uint32":
      return { type, value: c.u32(what) };
    case "int32":
      return { type, value: c.i32(what) };
    case "float32":
      return { type, value: c.f32(what) };
    case "float64":
      return { type, value: c.f64(what) };
    case "uint64":
      return { type, value: c.u64(what) };
    case "int64":
      return { type, value: c.i64(what) };
    case "bool":
      return { type, value: c.u8(what) !== 0 };
    case "string":
      return { type, value: c.str(what) };
    case "array":
      return readArray(c, what, 0);
  }
}

function valueType(c: Cursor, what: string): GgufValueTypeName {
  const id = c.u32(`type of ${what}`);
  const name = ggufValueTypeName(id);
  if (name === undefined)
    throw bad(c.source, `corrupted GGUF metadata: ${what} has unknown value type ${id} (valid: 0-12)`);
  return name;
}

function readArray(c: Cursor, what: string, depth: number): GgufArray {
  if (depth > 16) throw bad(c.source, `corrupted GGUF metadata: ${what} nests arrays more than 16 deep`);
  const itemType = valueType(c, `items of ${what}`);
  const limit = Math.min(MAX_ARRAY_ELEMENTS, Math.floor((c.remaining - 8) / MIN_ITEM_BYTES[itemType]));
  const n = c.size(`element count of ${what}`, Math.max(0, limit));
  const item = `${what}[]`;
  switch (itemType) {
    case "string": {
      const value = new Array<string>(n);
      for (let i = 0; i < n; i++) value[i] = c.str(item);
      return { type: "array", itemType, value };
    }
    case "bool": {
      const value = new Array<boolean>(n);
      for (let i = 0; i < n; i++) value[i] = c.u8(item) !== 0;
      return { type: "array", itemType, value };
    }
    case "uint64":
    case "int64": {
      const value = new Array<bigint>(n);
      for (let i = 0; i < n; i++) value[i] = itemType === "uint64" ? c.u64(item) : c.i64(item);
      return { type: "array", itemType, value };
    }
    case "array": {
      const value = new Array<GgufArray>(n);
      for (let i = 0; i < n; i++) value[i] = readArray(c, item, depth + 1);
      return { type: "array", itemType, value };
    }
    default: {
      const value = new Array<number>(n);
      const read = numberReader(c, itemType);
      for (let i = 0; i < n; i++) value[i] = read(item);
      return { type: "array", itemType, value };
    }
  }
}

/** Direct reader for numeric items: big token score/type arrays are read without a wrapper object per item. */
function numberReader(c: Cursor, type: GgufNumberType): (what: string) => number {
  switch (type) {
    case "uint8":
      return (w) => c.u8(w);
    case "int8":
      return (w) => c.i8(w);
    case "uint16":
      return (w) => c.u16(w);
    case "int16":
      return (w) => c.i16(w);
    case "uint32":
      return (w) => c.u32(w);
    case "int32":
      return (w) => c.i32(w);
    case "float32":
      return (w) => c.f32(w);
    case "float64":
      return (w) => c.f64(w);
  }
}

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
