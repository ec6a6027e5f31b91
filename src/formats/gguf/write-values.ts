// Little-endian encoding of GGUF metadata values, with range checks: a value that does not fit
// its declared type is an error, never silently wrapped.
import { invalidRequest } from "../../errors.js";
import { GGUF_VALUE_TYPE } from "./constants.js";
import type { GgufArray, GgufKv } from "./types.js";

/** Growable little-endian byte sink for the header. */
export class Sink {
  private buf = Buffer.alloc(1 << 16);
  len = 0;
  private reserve(n: number): number {
    if (this.len + n > this.buf.length) {
      const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
      this.buf.copy(next, 0, 0, this.len);
      this.buf = next;
    }
    const at = this.len;
    this.len += n;
    return at;
  }
  bytes(b: Uint8Array) {
    const at = this.reserve(b.length); // reserve may replace this.buf
    this.buf.set(b, at);
  }
  u8(v: number) {
    const at = this.reserve(1); // reserve may replace this.buf
    this.buf.writeUInt8(v, at);
  }
  i8(v: number) {
    const at = this.reserve(1); // reserve may replace this.buf
    this.buf.writeInt8(v, at);
  }
  u16(v: number) {
    const at = this.reserve(2); // reserve may replace this.buf
    this.buf.writeUInt16LE(v, at);
  }
  i16(v: number) {
    const at = this.reserve(2); // reserve may replace this.buf
    this.buf.writeInt16LE(v, at);
  }
  u32(v: number) {
    const at = this.reserve(4); // reserve may replace this.buf
    this.buf.writeUInt32LE(v, at);
  }
  i32(v: number) {
    const at = this.reserve(4); // reserve may replace this.buf
    this.buf.writeInt32LE(v, at);
  }
  f32(v: number) {
    const at = this.reserve(4); // reserve may replace this.buf
    this.buf.writeFloatLE(v, at);
  }
  f64(v: number) {
    const at = this.reserve(8); // reserve may replace this.buf
    this.buf.writeDoubleLE(v, at);
  }
  u64(v: bigint | number) {
    const at = this.reserve(8); // reserve may replace this.buf
    this.buf.writeBigUInt64LE(BigInt(v), at);
  }
  i64(v: bigint) {
    const at = this.reserve(8); // reserve may replace this.buf
    this.buf.writeBigInt64LE(v, at);
  }
  str(s: string) {
    const b = Buffer.from(s, "utf8");
    this.u64(b.length);
    this.bytes(b);
  }
  pad(alignment: number) {
    this.reserve((alignment - (this.len % alignment)) % alignment); // new bytes are zero (Buffer.alloc)
  }
  done(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

const INT_RANGE: Record<string, [number, number]> = {
  uint8: [0, 0xff],
  int8: [-0x80, 0x7f],
  uint16: [0, 0xffff],
  int16: [-0x8000, 0x7fff],
  uint32: [0, 0xffffffff],
  int32: [-0x80000000, 0x7fffffff],
};

function checkNumber(type: string, v: unknown, key: string): number {
  if (typeof v !== "number") throw invalidRequest(`metadata '${key}': ${type} value must be a number, got ${typeof v}`);
  const range = INT_RANGE[type];
  if (range && (!Number.isInteger(v) || v < range[0] || v > range[1])) {
    throw invalidRequest(`metadata '${key}': ${v} is not a valid ${type} (integer in ${range[0]}..${range[1]})`);
  }
  return v;
}

function checkBigInt(type: "uint64" | "int64", v: unknown, key: string): bigint {
  if (typeof v !== "bigint") throw invalidRequest(`metadata '${key}': ${type} value must be a bigint, got ${typeof v}`);
  const ok = type === "uint64" ? v >= 0n && v < 1n << 64n : v >= -(1n << 63n) && v < 1n << 63n;
  if (!ok) throw invalidRequest(`metadata '${key}': ${v} does not fit ${type}`);
  return v;
}

function writeItem(s: Sink, type: string, v: unknown, key: string): void {
  switch (type) {
    case "uint8":
      s.u8(checkNumber(type, v, key));
      break;
    case "int8":
      s.i8(checkNumber(type, v, key));
      break;
    case "uint16":
      s.u16(checkNumber(type, v, key));
      break;
    case "int16":
      s.i16(checkNumber(type, v, key));
      break;
    case "uint32":
      s.u32(checkNumber(type, v, key));
      break;
    case "int32":
      s.i32(checkNumber(type, v, key));
      break;
    case "float32":
      s.f32(checkNumber(type, v, key));
      break;
    case "float64":
      s.f64(checkNumber(type, v, key));
      break;
    case "uint64":
    case "int64": {
      const b = checkBigInt(type, v, key);
      if (type === "uint64") s.u64(b);
      else s.i64(b);
      break;
    }
    case "bool":
      if (typeof v !== "boolean") throw invalidRequest(`metadata '${key}': bool value must be a boolean`);
      s.u8(v ? 1 : 0);
      break;
    case "string":
      if (typeof v !== "string") throw invalidRequest(`metadata '${key}': string value must be a string`);
      s.str(v);
      break;
    case "array":
      writeArray(s, v as GgufArray, key);
      break;
    default:
      throw invalidRequest(`metadata '${key}': unknown GGUF value type '${type}'`);
  }
}

function typeId(type: string, key: string): number {
  const id = (GGUF_VALUE_TYPE as Record<string, number>)[type];
  if (id === undefined) throw invalidRequest(`metadata '${key}': unknown GGUF value type '${type}'`);
  return id;
}

function writeArray(s: Sink, a: GgufArray, key: string): void {
  if (a === null || typeof a !== "object" || !Array.isArray(a.value)) {
    throw invalidRequest(`metadata '${key}': array value must be { type: "array", itemType, value: [...] }`);
  }
  s.u32(typeId(a.itemType, key));
  s.u64(a.value.length);
  for (const item of a.value) writeItem(s, a.itemType, item, key);
}

export function writeKv(s: Sink, { key, value }: GgufKv): void {
  s.str(key);
  s.u32(typeId(value.type, key));
  if (value.type === "array") writeArray(s, value, key);
  else writeItem(s, value.type, value.value, key);
}
