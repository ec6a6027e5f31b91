// Public API of the GGUF module: read, write, quantize and build llama-architecture models.
export { CHATML_SPECIAL_TOKENS, CHATML_TEMPLATE } from "./chat-templates.js";
export {
  GGML_MAX_DIMS,
  GGML_TYPE,
  GGML_TYPES,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_VALUE_TYPE,
  GGUF_VERSION,
  type GgmlTypeInfo,
  type GgufValueTypeName,
  ggmlTypeByName,
  ggmlTypeInfo,
  LLAMA_FILE_TYPE,
  LLAMA_FILE_TYPE_NAMES,
  TOKEN_TYPE,
} from "./constants.js";
export { bf16ToF32, encodeF16, f16ToF32, f32ToBf16, f32ToF16 } from "./float16.js";
export {
  type BuildLlamaOptions,
  type BuildLlamaResult,
  buildLlamaGguf,
  type LlamaHparams,
  type LlamaTensorShape,
  type LlamaWeights,
  type LlamaWeightType,
  llamaMetadata,
  llamaTensorShapes,
  llamaTensorType,
  randomLlamaWeights,
  SMALL_LLAMA,
  TINY_LLAMA,
  type TinyLlamaOptions,
  type TinyLlamaResult,
  tinyLlamaSpec,
  writeTinyLlama,
} from "./llama.js";
export { dequantize, encodeBf16, encodeTensor, quantizeQ4_0, quantizeQ8_0 } from "./quantize.js";
export { mulberry32, normalSampler } from "./random.js";
export { parseGguf, readGgufFile, readGgufTensorData, tensorBytes } from "./reader.js";
export { summarizeGguf } from "./summary.js";
export type {
  GgufArray,
  GgufBigIntType,
  GgufFile,
  GgufKv,
  GgufNumberType,
  GgufTensorInfo,
  GgufTensorInput,
  GgufTensorStream,
  GgufValue,
  GgufWriteInput,
  GgufWriteOptions,
  GgufWriteResult,
  ModelSummary,
} from "./types.js";
export {
  gguf,
  type JsonValue,
  kv,
  metaArrayLength,
  metaBool,
  metadataToJson,
  metaNumber,
  metaString,
} from "./values.js";
export { byteVocab, type GgufVocab, SPACE_PIECE } from "./vocab.js";
export { encodeGguf, writeGguf } from "./writer.js";
