// `llmops quantize N@V --type q8_0|q4_0`: re-encode a registered F32/F16 model as Q8_0 or Q4_0,
// register the result with lineage, and measure the trade-off (file size, perplexity on a fixed
// evaluation text, greedy generation speed) against the source through llama.cpp itself.
//
// Policy follows llama.cpp's quantiser as `llamaTensorType` does: matrices whose row length is a
// multiple of the block size (32) get the target type; vectors (norms) and odd-sized rows stay F32.
// Source tensors are dequantised to f32 first, so the blocks are byte-identical to what
// `encodeTensor` (golden-tested against llama.cpp) gives for the source values.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import path from "node:path";
import { LlmopsError } from "../errors.js";
import {
  dequantize,
  encodeTensor,
  GGML_TYPE,
  type GgufKv,
  type GgufTensorInput,
  ggmlTypeInfo,
  LLAMA_FILE_TYPE,
  llamaTensorType,
  readGgufFile,
  readGgufTensorData,
  writeGguf,
} from "../formats/gguf/index.js";
import type { ModelRegistry, ModelVersion } from "../registry/index.js";
import type { ArtifactStore } from "../store/artifacts/index.js";

export const QUANT_TYPES = { q8_0: "Q8_0", q4_0: "Q4_0" } as const;
export type QuantType = keyof typeof QUANT_TYPES;
export type QuantTypeName = (typeof QUANT_TYPES)[QuantType];

/** Perplexity targets relative to the source (issue 3): Q8_0 within 1 %, Q4_0 within 10 %. */
export const PERPLEXITY_TARGET_PCT: Record<QuantTypeName, number> = { Q8_0: 1, Q4_0: 10 };

/** What quantisation needs from the platform (a subset of `Platform`, so tests can pass one). */
export interface QuantizeDeps {
  registry: ModelRegistry;
  artifacts: Pick<ArtifactStore, "localPath">;
  config: { home: string };
}

export interface QuantizeOptions {
  ref: string;
  type: string;
  alias?: string | undefined;
  actor: string;
}

export interface QuantizeResult {
  source: ModelVersion;
  version: ModelVersion;
  type: QuantTypeName;
  /** ggml type name written for each tensor. */
  tensorTypes: Record<string, string>;
}

export function parseQuantType(type: string): QuantTypeName {
  const key = type.toLowerCase();
  if (!(key in QUANT_TYPES))
    throw new LlmopsError("usage", `--type must be one of ${Object.keys(QUANT_TYPES).join(", ")}, not '${type}'`, {
      param: "--type",
    });
  return QUANT_TYPES[key as QuantType];
}

/** Quantises a registered F32/F16 version and registers the result as a new version of the same model. */
export async function quantizeVersion(deps: QuantizeDeps, o: QuantizeOptions): Promise<QuantizeResult> {
  const type = parseQuantType(o.type);
  const source = await deps.registry.resolve(o.ref);
  const file = await deps.artifacts.localPath(source.artifactHash);
  const gguf = await readGgufFile(file);
  const allowed = new Set<number>([GGML_TYPE.F32, GGML_TYPE.F16]);
  const bad = gguf.tensors.find((t) => !allowed.has(t.type));
  if (bad)
    throw new LlmopsError(
      "invalid_request",
      `${source.ref} is already quantised (tensor '${bad.name}' is ${bad.typeName}); quantise from the F32 or F16 version of the model instead, so errors do not compound.`,
      { param: "model" },
    );
  const tensorTypes: Record<string, string> = {};
  const tensors: GgufTensorInput[] = gguf.tensors.map((t) => {
    const target = llamaTensorType(t.dims, type);
    const info = ggmlTypeInfo(target)!;
    tensorTypes[t.name] = info.name;
    return {
      name: t.name,
      dims: t.dims,
      type: target,
      // One tensor in memory at a time: read, dequantise and encode when the writer asks for it.
      data: {
        byteLength: (t.nElements / info.blockSize) * info.typeSize,
        chunks: async function* () {
          const raw = await readGgufTensorData(file, t);
          const bytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
          yield encodeTensor(target, dequantize(t.type, bytes, t.nElements));
        },
      },
    };
  });
  const metadata: GgufKv[] = [];
  for (const [key, value] of gguf.metadata) {
    if (key === "general.file_type") continue;
    metadata.push({ key, value });
  }
  metadata.push({ key: "general.file_type", value: { type: "uint32", value: LLAMA_FILE_TYPE[type] } });
  await mkdir(path.join(deps.config.home, "tmp"), { recursive: true });
  // A private folder, so the registered sourceFile reads "NAME-q8_0.gguf" and concurrent runs never collide.
  const tmpDir = await mkdtemp(path.join(deps.config.home, "tmp", "quantize-"));
  const tmp = path.join(tmpDir, `${source.name}-${type.toLowerCase()}.gguf`);
  try {
    await writeGguf(tmp, { metadata, tensors }, { alignment: gguf.alignment });
    const version = await deps.registry.register({
      file: tmp,
      name: source.name,
      alias: o.alias,
      lineage: { parent: source.ref, quantizedFrom: source.ref, quantization: type },
      tags: { quantization: type },
      actor: o.actor,
    });
    return { source, version, type, tensorTypes };
  } finally {
    await rm(tmpDir, { recursive: true, force: true });
  }
}

export interface ModelMeasurement {
  perplexity: number;
  /** Tokens scored for perplexity. */
  evalTokens: number;
  /** Greedy generation speed, best of `runs`. */
  tokensPerSecond: number;
  generatedTokens: number;
}

export interface MeasureOptions {
  threads?: number;
  contextSize?: number;
  genTokens?: number;
  runs?: number;
  /** Generation prompt; default: the first 16 tokens of the evaluation text (leaves room in small contexts). */
  prompt?: string;
}

/**
 * Perplexity over consecutive context-sized windows of `evalText` (exp of the mean negative
 * log-probability of every scored token) and best-of-N greedy generation speed, through llama.cpp.
 */
export async function measureModel(
  modelPath: string,
  id: string,
  evalText: string,
  o: MeasureOptions = {},
): Promise<ModelMeasurement> {
  const { openLlamaCppEngine } = await import("../serve/engines/llama-cpp.js");
  const { perplexityOf } = await import("../data/report/perplexity.js");
  const engine = await openLlamaCppEngine({
    modelPath,
    id,
    threads: o.threads ?? 1,
    contextSize: o.contextSize ?? 512,
  });
  try {
    const ids = await engine.tokenize(evalText);
    if (ids.length < 2)
      throw new LlmopsError(
        "invalid_request",
        "The evaluation text is too short to score; give a longer --eval file.",
        {
          param: "--eval",
        },
      );
    const window = engine.info.contextLength - 1; // room for BOS
    const logprobs: Array<number | null> = [];
    for (let i = 0; i < ids.length; i += window) {
      const chunk = ids.slice(i, i + window);
      if (chunk.length < 2) break;
      const scored = await engine.score!(chunk);
      for (const t of scored.tokens) logprobs.push(t.logprob);
    }
    const perplexity = perplexityOf(logprobs);
    if (perplexity === null)
      throw new LlmopsError("internal", `${id} gave no log-probabilities for the evaluation text`);
    const evalTokens = logprobs.filter((l) => l !== null).length;
    let best = 0;
    let generatedTokens = 0;
    const prompt = o.prompt ?? ids.slice(0, 16);
    for (let run = 0; run < (o.runs ?? 3); run++) {
      const started = performance.now();
      let n = 0;
      for await (const ev of engine.complete({ prompt, maxTokens: o.genTokens ?? 128, temperature: 0 })) {
        if (ev.type === "done") n = ev.usage.completionTokens;
      }
      const seconds = (performance.now() - started) / 1000;
      const rate = n / seconds;
      if (rate > best) {
        best = rate;
        generatedTokens = n;
      }
    }
    return { perplexity, evalTokens, tokensPerSecond: best, generatedTokens };
  } finally {
    await engine.close();
  }
}

/** Default evaluation text: the last ~4 KB of each bundled corpus (a fixed sample, not a true held-out split). */
export async function defaultEvalText(): Promise<string> {
  let dir = import.meta.dirname;
  for (let i = 0; i < 5 && !existsSync(path.join(dir, "data", "corpora")); i++) dir = path.dirname(dir);
  const corpora = path.join(dir, "data", "corpora");
  if (!existsSync(corpora))
    throw new LlmopsError("not_found", "The bundled corpora (data/corpora) are missing; pass --eval FILE.");
  const parts: string[] = [];
  for (const name of ["kjv-genesis.txt", "tang-poems.txt"]) {
    const text = await readFile(path.join(corpora, name), "utf8");
    parts.push(tail(text, 4096));
  }
  return parts.join("\n");
}

/** The last ~`bytes` of text, starting at a line boundary. */
function tail(text: string, bytes: number): string {
  const buf = Buffer.from(text, "utf8");
  const cut = buf.subarray(Math.max(0, buf.length - bytes)).toString("utf8");
  const nl = cut.indexOf("\n");
  return nl >= 0 && nl < cut.length - 1 ? cut.slice(nl + 1) : cut;
}

export interface TradeoffRow {
  ref: string;
  type: string;
  sizeBytes: number;
  sizeRatio: number;
  perplexity: number;
  perplexityDeltaPct: number;
  tokensPerSecond: number;
  /** Tokens the timed generation produced (fewer than asked when the context or EOS ends it). */
  generatedTokens: number;
  speedRatio: number;
}

export interface QuantizeReport {
  version: ModelVersion;
  tensorTypes: Record<string, string>;
  evalTokens: number;
  rows: [TradeoffRow, TradeoffRow];
  target: { type: QuantTypeName; maxPerplexityDeltaPct: number; met: boolean };
}

/** Quantise, register, then measure source and result on the same text and threads. */
export async function quantizeWithTradeoff(
  deps: QuantizeDeps,
  o: QuantizeOptions & { evalText?: string; measure?: MeasureOptions },
): Promise<QuantizeReport> {
  // Check the evaluation text before registering anything, so a bad --eval leaves no new version.
  parseQuantType(o.type);
  const evalText = o.evalText ?? (await defaultEvalText());
  if (evalText.trim().length < 16)
    throw new LlmopsError(
      "invalid_request",
      "The evaluation text is empty or too short to measure perplexity; give a longer --eval file.",
      { param: "--eval" },
    );
  const result = await quantizeVersion(deps, o);
  // Windows no longer than the trained context: beyond it RoPE positions were never seen and
  // perplexity would measure extrapolation rather than quantisation error.
  const trained = result.source.contextLength ?? 512;
  const measure: MeasureOptions = { contextSize: Math.min(512, trained), ...o.measure };
  const src = await measureModel(
    await deps.artifacts.localPath(result.source.artifactHash),
    result.source.ref,
    evalText,
    measure,
  );
  const q = await measureModel(
    await deps.artifacts.localPath(result.version.artifactHash),
    result.version.ref,
    evalText,
    measure,
  );
  const row = (v: ModelVersion, type: string, m: ModelMeasurement): TradeoffRow => ({
    ref: v.ref,
    type,
    sizeBytes: v.sizeBytes,
    sizeRatio: v.sizeBytes / result.source.sizeBytes,
    perplexity: m.perplexity,
    perplexityDeltaPct: ((m.perplexity - src.perplexity) / src.perplexity) * 100,
    tokensPerSecond: m.tokensPerSecond,
    generatedTokens: m.generatedTokens,
    speedRatio: src.tokensPerSecond > 0 ? m.tokensPerSecond / src.tokensPerSecond : 0,
  });
  const qRow = row(result.version, result.type, q);
  const max = PERPLEXITY_TARGET_PCT[result.type];
  return {
    version: result.version,
    tensorTypes: result.tensorTypes,
    evalTokens: src.evalTokens,
    rows: [row(result.source, result.source.quantization ?? "F32", src), qRow],
    target: { type: result.type, maxPerplexityDeltaPct: max, met: qRow.perplexityDeltaPct <= max },
  };
}
