// Data shapes shared by the GGUF reader, writer and builders.

export type GgufNumberType = "uint8" | "int8" | "uint16" | "int16" | "uint32" | "int32" | "float32" | "float64";
/** 64-bit integers are bigints so that no value is silently rounded. */
export type GgufBigIntType = "uint64" | "int64";

export type GgufArray =
  | { type: "array"; itemType: GgufNumberType; value: number[] }
  | { type: "array"; itemType: GgufBigIntType; value: bigint[] }
  | { type: "array"; itemType: "bool"; value: boolean[] }
  | { type: "array"; itemType: "string"; value: string[] }
  // GGUF allows arrays of arrays (each with its own item type); llama.cpp itself refuses to load them.
  | { type: "array"; itemType: "array"; value: GgufArray[] };

export type GgufValue =
  | { type: GgufNumberType; value: number }
  | { type: GgufBigIntType; value: bigint }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string }
  | GgufArray;

export interface GgufKv {
  key: string;
  value: GgufValue;
}

export interface GgufTensorInfo {
  name: string;
  /** ggml "ne": dims[0] is the row length (the fastest-varying dimension). */
  dims: number[];
  /** ggml type id (see GGML_TYPES). */
  type: number;
  typeName: string;
  /** Offset of the data relative to the start of the tensor data section. */
  offset: number;
  /** Absolute offset of the data in the file. */
  fileOffset: number;
  nElements: number;
  byteSize: number;
}

export interface GgufFile {
  version: number;
  alignment: number;
  /** Every key/value pair, in file order. */
  metadata: Map<string, GgufValue>;
  tensors: GgufTensorInfo[];
  /** Bytes taken by the header, metadata and tensor index (before alignment padding). */
  headerSize: number;
  /** Absolute offset of the tensor data section. */
  dataOffset: number;
  fileSize: number;
}

/** Tensor data to write: bytes in memory, or a stream of chunks for data that should not be held at once. */
export interface GgufTensorStream {
  byteLength: number;
  chunks(): Iterable<Uint8Array> | AsyncIterable<Uint8Array>;
}

export interface GgufTensorInput {
  name: string;
  /** ggml "ne" order: [row length, rows, ...]. A row-major [out, in] matrix is written as [in, out]. */
  dims: readonly number[];
  /** ggml type id or name ("F32", "Q8_0", ...). */
  type: number | string;
  /** Already encoded in `type` (e.g. quantized blocks); its length must equal the size ggml computes. */
  data: Uint8Array | GgufTensorStream;
}

export interface GgufWriteInput {
  metadata: readonly GgufKv[];
  tensors: readonly GgufTensorInput[];
}

export interface GgufWriteOptions {
  /** Tensor data alignment (power of two). Defaults to general.alignment in the metadata, else 32. */
  alignment?: number;
}

export interface GgufWriteResult {
  path: string;
  bytes: number;
  dataOffset: number;
}

export interface ModelSummary {
  architecture: string | null;
  name: string | null;
  /** Sum of the element counts of all tensors. */
  parameterCount: number;
  /** Human name: from general.file_type when known, else the tensor type holding most parameters. */
  quantization: string;
  contextLength: number | null;
  embeddingLength: number | null;
  blockCount: number | null;
  headCount: number | null;
  headCountKv: number | null;
  vocabSize: number | null;
  chatTemplate: string | null;
  tokenizerModel: string | null;
  fileType: number | null;
}
