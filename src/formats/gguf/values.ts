// Constructors and typed getters for GGUF metadata values, so callers never hand-write tagged unions.
import type { GgufArray, GgufBigIntType, GgufKv, GgufNumberType, GgufValue } from "./types.js";

const big = (v: number | bigint): bigint => (typeof v === "bigint" ? v : BigInt(v));

export const gguf = {
  uint8: (value: number): GgufValue => ({ type: "uint8", value }),
  int8: (value: number): GgufValue => ({ type: "int8", value }),
  uint16: (value: number): GgufValue => ({ type: "uint16", value }),
  int16: (value: number): GgufValue => ({ type: "int16", value }),
  uint32: (value: number): GgufValue => ({ type: "uint32", value }),
  int32: (value: number): GgufValue => ({ type: "int32", value }),
  float32: (value: number): GgufValue => ({ type: "float32", value }),
  float64: (value: number): GgufValue => ({ type: "float64", value }),
  uint64: (value: number | bigint): GgufValue => ({ type: "uint64", value: big(value) }),
  int64: (value: number | bigint): GgufValue => ({ type: "int64", value: big(value) }),
  bool: (value: boolean): GgufValue => ({ type: "bool", value }),
  string: (value: string): GgufValue => ({ type: "string", value }),
  numbers: (itemType: GgufNumberType, value: number[]): GgufArray => ({ type: "array", itemType, value }),
  bigints: (itemType: GgufBigIntType, value: bigint[]): GgufArray => ({ type: "array", itemType, value }),
  bools: (value: boolean[]): GgufArray => ({ type: "array", itemType: "bool", value }),
  strings: (value: string[]): GgufArray => ({ type: "array", itemType: "string", value }),
  arrays: (value: GgufArray[]): GgufArray => ({ type: "array", itemType: "array", value }),
};

export const kv = (key: string, value: GgufValue): GgufKv => ({ key, value });

type Metadata = ReadonlyMap<string, GgufValue>;

/** A string value, or null when the key is absent or not a string. */
export function metaString(meta: Metadata, key: string): string | null {
  const v = meta.get(key);
  return v?.type === "string" ? v.value : null;
}

/** Any scalar integer/float value as a number (64-bit values converted), or null. */
export function metaNumber(meta: Metadata, key: string): number | null {
  const v = meta.get(key);
  if (v === undefined || v.type === "array") return null;
  if (typeof v.value === "bigint") return Number(v.value);
  return typeof v.value === "number" ? v.value : null;
}

export function metaBool(meta: Metadata, key: string): boolean | null {
  const v = meta.get(key);
  return v?.type === "bool" ? v.value : null;
}

/** Length of an array value, or null. */
export function metaArrayLength(meta: Metadata, key: string): number | null {
  const v = meta.get(key);
  return v?.type === "array" ? v.value.length : null;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Plain-JSON view of metadata for APIs and `--json` output: 64-bit integers become numbers when
 * exactly representable, else decimal strings; arrays longer than `maxArrayItems` are cut and
 * reported as { length, head } so a 150k-token vocabulary does not flood the output.
 */
export function metadataToJson(
  meta: ReadonlyMap<string, GgufValue>,
  options: { maxArrayItems?: number } = {},
): Record<string, JsonValue> {
  const max = options.maxArrayItems ?? 32;
  const scalar = (v: unknown): JsonValue => {
    if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    if (typeof v === "number") return Number.isFinite(v) ? v : String(v);
    return v as JsonValue;
  };
  const array = (a: GgufArray): JsonValue => {
    const items = (a.value as unknown[])
      .slice(0, max)
      .map((x) => (a.itemType === "array" ? array(x as GgufArray) : scalar(x)));
    return a.value.length > max ? { length: a.value.length, head: items } : items;
  };
  const out: Record<string, JsonValue> = {};
  for (const [key, v] of meta) out[key] = v.type === "array" ? array(v) : scalar(v.value);
  return out;
}
