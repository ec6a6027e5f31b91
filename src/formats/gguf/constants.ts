// GGUF/ggml constants. The ggml type table was printed by ggml itself (ggml_type_name, ggml_blck_size,
// ggml_type_size from the libggml-base.so that node-llama-cpp 3.21.1 ships, llama.cpp release v0.4.0),
// so byte sizes of every tensor type -- K-quants, IQ, ternary and FP4 types included -- match llama.cpp.

export const GGUF_MAGIC = "GGUF";
/** The version this module writes. Versions 2 and 3 share one little-endian layout and are both read. */
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;
/** ggml refuses tensors with more dimensions than this. */
export const GGML_MAX_DIMS = 4;
/** ggml stores tensor names in a 64-byte buffer (63 bytes + NUL); llama.cpp rejects longer names. */
export const GGML_MAX_NAME_BYTES = 63;

/** GGUF metadata value type ids, as stored in the file. */
export const GGUF_VALUE_TYPE = {
  uint8: 0,
  int8: 1,
  uint16: 2,
  int16: 3,
  uint32: 4,
  int32: 5,
  float32: 6,
  bool: 7,
  string: 8,
  array: 9,
  uint64: 10,
  int64: 11,
  float64: 12,
} as const;
export type GgufValueTypeName = keyof typeof GGUF_VALUE_TYPE;

const valueTypeNames = new Map<number, GgufValueTypeName>(
  Object.entries(GGUF_VALUE_TYPE).map(([name, id]) => [id, name as GgufValueTypeName]),
);
export function ggufValueTypeName(id: number): GgufValueTypeName | undefined {
  return valueTypeNames.get(id);
}

export interface GgmlTypeInfo {
  id: number;
  /** Upper-case name as llama.cpp's tools print it (F32, Q4_K, IQ2_XXS, ...). */
  name: string;
  /** Elements per block (1 for plain types). A row's length must be a multiple of it. */
  blockSize: number;
  /** Bytes per block. */
  typeSize: number;
  /** Types ggml no longer loads from files (repacked layouts); still indexed so old files can be inspected. */
  removed?: boolean;
}

const T = (id: number, name: string, blockSize: number, typeSize: number, removed?: boolean): GgmlTypeInfo =>
  removed ? { id, name, blockSize, typeSize, removed } : { id, name, blockSize, typeSize };

/** Every ggml tensor type id that can appear in a GGUF file (4 and 5 predate GGUF and never do). */
export const GGML_TYPES: readonly GgmlTypeInfo[] = [
  T(0, "F32", 1, 4),
  T(1, "F16", 1, 2),
  T(2, "Q4_0", 32, 18),
  T(3, "Q4_1", 32, 20),
  T(6, "Q5_0", 32, 22),
  T(7, "Q5_1", 32, 24),
  T(8, "Q8_0", 32, 34),
  T(9, "Q8_1", 32, 36),
  T(10, "Q2_K", 256, 84),
  T(11, "Q3_K", 256, 110),
  T(12, "Q4_K", 256, 144),
  T(13, "Q5_K", 256, 176),
  T(14, "Q6_K", 256, 210),
  T(15, "Q8_K", 256, 292),
  T(16, "IQ2_XXS", 256, 66),
  T(17, "IQ2_XS", 256, 74),
  T(18, "IQ3_XXS", 256, 98),
  T(19, "IQ1_S", 256, 50),
  T(20, "IQ4_NL", 32, 18),
  T(21, "IQ3_S", 256, 110),
  T(22, "IQ2_S", 256, 82),
  T(23, "IQ4_XS", 256, 136),
  T(24, "I8", 1, 1),
  T(25, "I16", 1, 2),
  T(26, "I32", 1, 4),
  T(27, "I64", 1, 8),
  T(28, "F64", 1, 8),
  T(29, "IQ1_M", 256, 56),
  T(30, "BF16", 1, 2),
  // Interleaved Q4_0/IQ4_NL layouts: same block bytes as their base type; llama.cpp now repacks at load time.
  T(31, "Q4_0_4_4", 32, 18, true),
  T(32, "Q4_0_4_8", 32, 18, true),
  T(33, "Q4_0_8_8", 32, 18, true),
  T(34, "TQ1_0", 256, 54),
  T(35, "TQ2_0", 256, 66),
  T(36, "IQ4_NL_4_4", 32, 18, true),
  T(37, "IQ4_NL_4_8", 32, 18, true),
  T(38, "IQ4_NL_8_8", 32, 18, true),
  T(39, "MXFP4", 32, 17),
  T(40, "NVFP4", 64, 36),
  T(41, "Q1_0", 128, 18),
  T(42, "Q2_0", 64, 18),
];

/** Ids of the types this module can produce or consume numerically. */
export const GGML_TYPE = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q8_0: 8,
  BF16: 30,
} as const;

const typesById = new Map(GGML_TYPES.map((t) => [t.id, t]));
const typesByName = new Map(GGML_TYPES.map((t) => [t.name, t]));

export function ggmlTypeInfo(id: number): GgmlTypeInfo | undefined {
  return typesById.get(id);
}
export function ggmlTypeByName(name: string): GgmlTypeInfo | undefined {
  return typesByName.get(name.toUpperCase());
}

/** tokenizer.ggml.token_type values (llama_token_type). */
export const TOKEN_TYPE = {
  UNDEFINED: 0,
  NORMAL: 1,
  UNKNOWN: 2,
  CONTROL: 3,
  USER_DEFINED: 4,
  UNUSED: 5,
  BYTE: 6,
} as const;

/** general.file_type values (llama_ftype) and the names llama.cpp's tools use for them. */
export const LLAMA_FILE_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: "F32",
  1: "F16",
  2: "Q4_0",
  3: "Q4_1",
  7: "Q8_0",
  8: "Q5_0",
  9: "Q5_1",
  10: "Q2_K",
  11: "Q3_K_S",
  12: "Q3_K_M",
  13: "Q3_K_L",
  14: "Q4_K_S",
  15: "Q4_K_M",
  16: "Q5_K_S",
  17: "Q5_K_M",
  18: "Q6_K",
  19: "IQ2_XXS",
  20: "IQ2_XS",
  21: "Q2_K_S",
  22: "IQ3_XS",
  23: "IQ3_XXS",
  24: "IQ1_S",
  25: "IQ4_NL",
  26: "IQ3_S",
  27: "IQ3_M",
  28: "IQ2_S",
  29: "IQ2_M",
  30: "IQ4_XS",
  31: "IQ1_M",
  32: "BF16",
  36: "TQ1_0",
  37: "TQ2_0",
  38: "MXFP4_MOE",
  39: "NVFP4",
  40: "Q1_0",
  41: "Q2_0",
};

/** The file types this module writes, keyed by the tensor type used for the big matrices. */
export const LLAMA_FILE_TYPE = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 7 } as const;
