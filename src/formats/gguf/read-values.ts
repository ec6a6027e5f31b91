// Bounds-checked little-endian reading of GGUF values. Every length and count is checked against
// the bytes left in the file before anything is allocated, so a corrupted header fails with a
// clear message instead of an out-of-memory crash.
import { LlmopsError } from "../../errors.js";
import { type GgufValueTypeName, ggufValueTypeName } from "./constants.js";
import type { GgufArray, GgufNumberType, GgufValue } from "./types.js";

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
export class NeedMoreBytes {
  constructor(readonly end: number) {}
}

export const bad = (source: string, message: string) => new LlmopsError("invalid_request", `${source}: ${message}`);

export class Cursor {
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

export function readScalar(c: Cursor, type: GgufValueTypeName, what: string): GgufValue {
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

export function valueType(c: Cursor, what: string): GgufValueTypeName {
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
