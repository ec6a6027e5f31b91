// Engine on node-llama-cpp 3.21.1: a GGUF model in this process, CPU only, explicit thread count.
//
// Shape: one LlamaContext with `sequences` KV-cache sequences; each request takes a whole sequence
// (SlotPool), clears it, evaluates its prompt and samples token by token through
// sequence.evaluateWithMetadata, so two requests never share state. Text goes through
// OutputAssembler (UTF-8 safe, stop strings), log-probabilities through logprobTable.
//
// Behaviour worth knowing (also in the README text of the report):
// - threads is mandatory: node-llama-cpp's default (2 × cores) made decoding ~100× slower here.
// - Chat prompts use the GGUF's tokenizer.chat_template through node-llama-cpp's
//   JinjaTemplateChatWrapper; without one (or when it fails to render) ChatML is the default.
//   Message text is never parsed for special tokens; a completions prompt is, as in llama.cpp/vLLM.
//   BOS is prepended when the model asks for it and the rendered prompt does not start with it.
// - "tool" messages are rendered as user messages (this engine does not generate tool calls).
// - A prompt that leaves no room in the context fails with context_length_exceeded; max_tokens that
//   does not fit is clamped to the room left and the generation ends with finish_reason "length".
// - Without a seed each request draws a random one (node-llama-cpp would use the current second,
//   so two requests in the same second would sample identically).
import { randomInt } from "node:crypto";
import { statSync } from "node:fs";
import {
  type ChatHistoryItem,
  ChatMLChatWrapper,
  type ChatWrapper,
  type ControlledEvaluateInputItem,
  getLlama,
  JinjaTemplateChatWrapper,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaEmbeddingContext,
  LlamaLogLevel,
  type LlamaModel,
  type LlamaText,
  type SequenceEvaluateOptions,
  SpecialToken,
  SpecialTokensText,
  type Token,
  TokenBias,
} from "node-llama-cpp";
import { invalidRequest, LlmopsError, unavailable } from "../../errors.js";
import type {
  ChatMessage,
  ChatRequest,
  CompletionRequest,
  EmbeddingResult,
  Engine,
  EngineStats,
  FinishReason,
  GeneratedToken,
  GenerationEvent,
  GenerationParams,
  ModelInfo,
  PromptScore,
  TokenLogprob,
} from "../engine.js";
import { logprobTable } from "../logprobs.js";
import { abortError, SlotPool } from "../slots.js";
import { OutputAssembler, Utf8StreamDecoder } from "../text-stream.js";
import { buildTokenPieces, displayBytes, type TokenPiece } from "../token-bytes.js";

export interface EngineLogger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

export interface LlamaCppEngineOptions {
  /** Path to a .gguf file. */
  modelPath: string;
  /** The model name clients send and /v1/models reports. */
  id: string;
  /** CPU threads for evaluation (required: the library default is far too many on small machines). */
  threads: number;
  /** Tokens per request (prompt + completion); default min(trained context, 4096). */
  contextSize?: number;
  /** Requests generated in parallel (KV-cache sequences); default 1. Extra requests queue. */
  sequences?: number;
  /** Requests that may wait for a sequence before new ones get 503; default 64. */
  maxQueue?: number;
  /**
   * Precision of the KV cache and attention (default f16, llama.cpp's). f32 doubles the cache's
   * memory and turns flash attention off, so served log-probabilities match an F32 reference
   * (parity tests of exported models).
   */
  kvCache?: "f16" | "f32";
  logger?: EngineLogger;
}

const silentLogger: EngineLogger = { info() {}, warn() {}, debug() {} };
/** Seeds live in [0, 2^32 − 2]: llama.cpp treats 0xFFFFFFFF as "pick a random seed". */
const SEED_MODULUS = 2 ** 32 - 1;

export function normalizeSeed(seed: number | undefined): number {
  if (seed === undefined) return randomInt(0, SEED_MODULUS);
  const s = Math.trunc(seed) % SEED_MODULUS;
  return s < 0 ? s + SEED_MODULUS : s;
}

export function contextLengthExceeded(
  what: "prompt" | "messages" | "input",
  tokens: number,
  context: number,
): LlmopsError {
  const noun =
    what === "messages" ? "The messages (with the chat template)" : what === "input" ? "The input" : "The prompt";
  return new LlmopsError(
    "context_length_exceeded",
    `${noun} has ${tokens} tokens; the model's context is ${context} tokens (prompt and completion together); shorten the ${what === "messages" ? "messages" : what} or lower max_tokens.`,
    { param: what },
  );
}

interface PreparedPrompt {
  tokens: number[];
  param: "prompt" | "messages";
  /** Extra end-of-turn tokens from the chat template (besides the model's EOG tokens). */
  stopTokens: ReadonlySet<number>;
  /** Extra end-of-turn strings from the chat template (for vocabularies without the special token). */
  stopStrings: readonly string[];
}

interface ChatFormat {
  wrapper: ChatWrapper;
  source: "model" | "default-chatml";
}

function metadataString(model: LlamaModel, ...path: string[]): string | undefined {
  let node: unknown = model.fileInfo.metadata;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === "string" ? node : undefined;
}

function metadataArray(model: LlamaModel, ...path: string[]): unknown[] | undefined {
  let node: unknown = model.fileInfo.metadata;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return Array.isArray(node) ? node : undefined;
}

function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((m): ChatHistoryItem => {
    switch (m.role) {
      case "system":
      case "developer":
        return { type: "system", text: m.content };
      case "assistant":
        return { type: "model", response: [m.content] };
      default:
        return { type: "user", text: m.content };
    }
  });
  // An empty model turn renders as the generation prompt ("<|im_start|>assistant\n").
  history.push({ type: "model", response: [] });
  return history;
}

/** node-llama-cpp brands token ids; ours are checked plain numbers. */
function asTokens(tokens: number[]): Token[] {
  return tokens as Token[];
}

function anySignal(signals: Array<AbortSignal | undefined>): AbortSignal {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  return present.length === 1 ? (present[0] as AbortSignal) : AbortSignal.any(present);
}

export class LlamaCppEngine implements Engine {
  readonly info: ModelInfo;
  private readonly pieces: TokenPiece[] | null;
  private readonly pieceCache = new Map<number, TokenPiece>();
  private readonly slots: SlotPool<LlamaContextSequence>;
  private readonly embedSlots = new SlotPool<true>([true], 1024);
  private readonly closing = new AbortController();
  private embeddingContext: Promise<LlamaEmbeddingContext> | undefined;
  private closePromise: Promise<void> | undefined;

  constructor(
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly chatFormat: ChatFormat,
    private readonly options: Required<Pick<LlamaCppEngineOptions, "threads" | "maxQueue">> & { logger: EngineLogger },
    info: ModelInfo,
  ) {
    this.info = info;
    const sequences: LlamaContextSequence[] = [];
    for (let i = 0; i < context.totalSequences; i++) sequences.push(context.getSequence());
    this.slots = new SlotPool(sequences, options.maxQueue);
    const modelType = metadataString(model, "tokenizer", "ggml", "model");
    const tokens = metadataArray(model, "tokenizer", "ggml", "tokens");
    const types = metadataArray(model, "tokenizer", "ggml", "token_type");
    this.pieces =
      modelType !== undefined && tokens?.every((t) => typeof t === "string")
        ? buildTokenPieces({
            model: modelType,
            tokens: tokens as string[],
            ...(types?.every((t) => typeof t === "number") ? { tokenTypes: types as number[] } : {}),
          })
        : null;
  }

  get contextSize(): number {
    return this.context.contextSize;
  }

  stats(): EngineStats {
    return { active: this.slots.active + this.embedSlots.active, queued: this.slots.queued + this.embedSlots.queued };
  }

  async tokenize(text: string, options: { addSpecial?: boolean } = {}): Promise<number[]> {
    this.ensureOpen();
    const tokens = this.model.tokenize(text, false);
    return options.addSpecial ? this.withBos(tokens) : tokens;
  }

  async detokenize(tokens: number[]): Promise<string> {
    this.ensureOpen();
    this.checkTokenIds(tokens, "tokens");
    const decoder = new Utf8StreamDecoder();
    let text = "";
    for (const t of tokens) text += decoder.decode(this.piece(t).bytes);
    return text + decoder.flush();
  }

  complete(request: CompletionRequest, signal?: AbortSignal): AsyncIterable<GenerationEvent> {
    // Preparing lazily (inside the generator) keeps errors on the iteration path the caller handles.
    const self = this;
    return (async function* () {
      self.ensureOpen();
      const prompt = self.completionPrompt(request.prompt);
      yield* self.generate(
        { tokens: prompt, param: "prompt", stopTokens: new Set(), stopStrings: [] },
        request,
        signal,
      );
    })();
  }

  chat(messages: ChatMessage[], request: ChatRequest, signal?: AbortSignal): AsyncIterable<GenerationEvent> {
    const self = this;
    return (async function* () {
      self.ensureOpen();
      yield* self.generate(self.chatPrompt(messages), request, signal);
    })();
  }

  async score(
    prompt: string | number[],
    options: { topLogprobs?: number; signal?: AbortSignal } = {},
  ): Promise<PromptScore> {
    this.ensureOpen();
    const tokens = this.completionPrompt(prompt);
    if (tokens.length > this.contextSize) throw contextLengthExceeded("prompt", tokens.length, this.contextSize);
    const signal = anySignal([options.signal, this.closing.signal]);
    const sequence = await this.slots.acquire(signal);
    try {
      await sequence.clearHistory();
      const results = await sequence.controlledEvaluate(
        asTokens(tokens).map(
          (t, i): ControlledEvaluateInputItem =>
            i < tokens.length - 1 ? [t, { generateNext: { probabilities: true } }] : t,
        ),
      );
      if (signal.aborted) throw abortError(signal);
      const top = options.topLogprobs ?? 0;
      return {
        tokens: tokens.map((id, i) => {
          const p = this.piece(id);
          const probabilities = i > 0 ? results[i - 1]?.next.probabilities : undefined;
          if (!probabilities) return { id, token: p.display, bytes: Array.from(p.bytes), logprob: null };
          const table = logprobTable(probabilities, 0);
          return {
            id,
            token: p.display,
            bytes: Array.from(p.bytes),
            logprob: table.logprob(id),
            topLogprobs: table.top(top).map((e) => this.tokenLogprob(e.id, e.logprob)),
          };
        }),
        usage: { promptTokens: tokens.length, completionTokens: 0 },
      };
    } finally {
      await sequence.clearHistory().catch(() => undefined);
      this.slots.release(sequence);
    }
  }

  async embed(inputs: Array<string | number[]>, signal?: AbortSignal): Promise<EmbeddingResult> {
    this.ensureOpen();
    if (inputs.length === 0)
      throw invalidRequest("input: must not be empty; send a string or an array of strings.", "input");
    const prepared = inputs.map((input, i) => {
      if (typeof input !== "string") this.checkTokenIds(input, `input[${i}]`);
      const body = typeof input === "string" ? this.model.tokenize(input, false) : input;
      if (body.length === 0) throw invalidRequest(`input[${i}]: must not be empty.`, "input");
      let tokens = this.withBos(body);
      const eos = this.model.tokens.eos;
      if (this.model.tokens.shouldAppendEosToken && eos !== null && tokens.at(-1) !== eos) tokens = [...tokens, eos];
      if (tokens.length >= this.contextSize) throw contextLengthExceeded("input", tokens.length, this.contextSize);
      return tokens;
    });
    const combined = anySignal([signal, this.closing.signal]);
    await this.embedSlots.acquire(combined);
    try {
      this.embeddingContext ??= this.model
        .createEmbeddingContext({ contextSize: this.contextSize, threads: this.options.threads })
        .catch((error: unknown) => {
          this.embeddingContext = undefined; // let the next request try again
          throw unavailable("Cannot create the embedding context for this model; see the worker log.", error);
        });
      const context = await this.embeddingContext;
      const vectors: Float32Array[] = [];
      for (const tokens of prepared) {
        if (combined.aborted) throw abortError(combined);
        const { vector } = await context.getEmbeddingFor(asTokens([...tokens]));
        const out = Float32Array.from(vector);
        let norm = 0;
        for (const v of out) norm += v * v;
        norm = Math.sqrt(norm);
        if (norm > 0) for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / norm;
        vectors.push(out);
      }
      return { vectors, promptTokens: prepared.reduce((n, t) => n + t.length, 0) };
    } finally {
      this.embedSlots.release(true);
    }
  }

  close(): Promise<void> {
    this.closePromise ??= (async () => {
      this.closing.abort(unavailable("The model is shutting down; retry on another worker."));
      this.slots.close();
      this.embedSlots.close();
      await Promise.all([this.slots.drained(10_000), this.embedSlots.drained(10_000)]);
      const embedding = await this.embeddingContext?.catch(() => undefined);
      await embedding?.dispose();
      await this.context.dispose();
      await this.model.dispose();
      giveBackLlama(this.llama);
    })();
    return this.closePromise;
  }

  // ---- prompts ---------------------------------------------------------------------------------

  private completionPrompt(prompt: string | number[]): number[] {
    if (typeof prompt !== "string") {
      this.checkTokenIds(prompt, "prompt");
      if (prompt.length === 0)
        throw invalidRequest("prompt: the token array is empty; send at least one token.", "prompt");
      return [...prompt];
    }
    const tokens = this.withBos(this.model.tokenize(prompt, true));
    if (tokens.length === 0)
      throw invalidRequest("prompt: is empty and this model has no BOS token; send some text.", "prompt");
    return tokens;
  }

  private chatPrompt(messages: ChatMessage[]): PreparedPrompt {
    if (messages.length === 0) throw invalidRequest("messages: must contain at least one message.", "messages");
    let state: ReturnType<ChatWrapper["generateContextState"]>;
    try {
      state = this.chatFormat.wrapper.generateContextState({ chatHistory: toChatHistory(messages) });
    } catch (error) {
      throw invalidRequest(
        `messages: the model's chat template rejected them (${error instanceof Error ? error.message : String(error)}); check the roles and their order.`,
        "messages",
      );
    }
    const tokens = this.withBos(state.contextText.tokenize(this.model.tokenizer));
    const stopTokens = new Set<number>();
    const stopStrings: string[] = [];
    for (const trigger of state.stopGenerationTriggers) this.addTrigger(trigger, stopTokens, stopStrings);
    return { tokens, param: "messages", stopTokens, stopStrings };
  }

  /** A template's end-of-turn marker: a control token when the vocabulary has it, else plain text. */
  private addTrigger(trigger: LlamaText, stopTokens: Set<number>, stopStrings: string[]): void {
    const values = trigger.values;
    if (values.length === 1 && values[0] instanceof SpecialToken) {
      const ids = values[0].tokenize(this.model.tokenizer);
      if (ids.length === 1) stopTokens.add(ids[0] as number);
      return;
    }
    const ids = trigger.tokenize(this.model.tokenizer);
    const first = ids[0];
    if (first !== undefined && this.piece(first).bytes.length === 0) {
      stopTokens.add(first);
      return;
    }
    const text = values
      .map((v) => (typeof v === "string" ? v : v instanceof SpecialTokensText ? v.value : ""))
      .join("")
      .trimEnd();
    if (text.length > 0) stopStrings.push(text);
  }

  private withBos(tokens: number[]): number[] {
    const bos = this.model.tokens.bos;
    if (this.model.tokens.shouldPrependBosToken && bos !== null && tokens[0] !== bos) return [bos, ...tokens];
    return tokens;
  }

  // ---- generation ------------------------------------------------------------------------------

  private async *generate(
    prompt: PreparedPrompt,
    params: GenerationParams,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<GenerationEvent> {
    const { tokens } = prompt;
    const contextSize = this.contextSize;
    if (tokens.length >= contextSize) throw contextLengthExceeded(prompt.param, tokens.length, contextSize);
    const room = contextSize - tokens.length;
    const budget = Math.min(params.maxTokens ?? room, room);
    const usage = { promptTokens: tokens.length, completionTokens: 0 };
    if (budget <= 0) {
      yield { type: "done", finishReason: "length", usage };
      return;
    }
    const temperature = params.temperature ?? 1;
    const topLogprobs = params.logprobs;
    const generated: number[] = [];
    const options = this.samplerOptions(params, temperature, generated);
    const combined = anySignal([signal, this.closing.signal]);
    const sequence = await this.slots.acquire(combined);
    const assembler = new OutputAssembler<GeneratedToken>([...(params.stop ?? []), ...prompt.stopStrings]);
    let iterator: AsyncGenerator<{ token: number; probabilities?: Map<number, number> }> | undefined;
    try {
      await sequence.clearHistory();
      iterator = sequence.evaluateWithMetadata(asTokens(tokens), { probabilities: topLogprobs !== undefined }, options);
      let finishReason: FinishReason = "length";
      // The next token is requested before this one's text is handed to the consumer, so llama.cpp
      // decodes while the HTTP layer formats and writes (one token of look-ahead, never past a stop).
      let pending = iterator.next();
      pending.catch(() => undefined); // awaited below; this only keeps an abandoned one quiet
      while (true) {
        const next = await pending;
        if (combined.aborted) throw abortError(combined);
        if (next.done) {
          finishReason = "stop";
          break;
        }
        const { token, probabilities } = next.value;
        generated.push(token);
        usage.completionTokens++;
        if (this.model.isEogToken(token as Token) || prompt.stopTokens.has(token)) {
          finishReason = "stop";
          break;
        }
        const out = assembler.push(
          this.piece(token).bytes,
          this.generatedToken(token, probabilities, temperature, topLogprobs),
        );
        const last = assembler.stopped || usage.completionTokens >= budget;
        if (!last) {
          pending = iterator.next();
          pending.catch(() => undefined);
        }
        if (out.text.length > 0 || out.items.length > 0) yield { type: "delta", text: out.text, tokens: out.items };
        if (last) {
          finishReason = assembler.stopped ? "stop" : "length";
          break;
        }
      }
      const tail = assembler.finish();
      if (tail.text.length > 0 || tail.items.length > 0) yield { type: "delta", text: tail.text, tokens: tail.items };
      yield { type: "done", finishReason, usage: { ...usage } };
    } finally {
      // Ending the iterator stops llama.cpp's loop and frees its sampler before the next request.
      await iterator?.return(undefined).catch(() => undefined);
      this.slots.release(sequence);
    }
  }

  private samplerOptions(params: GenerationParams, temperature: number, generated: number[]): SequenceEvaluateOptions {
    let tokenBias: TokenBias | undefined;
    if (params.logitBias && Object.keys(params.logitBias).length > 0) {
      tokenBias = new TokenBias(this.model.tokenizer);
      // TokenBias.set() silently skips end-of-generation tokens, but OpenAI's logit_bias is often
      // used precisely to ban them; node-llama-cpp 3.21.1 keeps the biases in `_biases` (token →
      // logit), which llama.cpp applies to any token, so we fill it directly when it is there.
      const internal = (tokenBias as unknown as { _biases?: unknown })._biases;
      for (const [key, bias] of Object.entries(params.logitBias)) {
        const id = Number(key);
        this.checkTokenIds([id], "logit_bias");
        const logit = bias <= -100 ? Number.NEGATIVE_INFINITY : bias;
        if (internal instanceof Map) internal.set(id, logit);
        else tokenBias.set(id as Token, { logit });
      }
    }
    const penalize = (params.presencePenalty ?? 0) !== 0 || (params.frequencyPenalty ?? 0) !== 0;
    return {
      temperature,
      topP: params.topP ?? 1,
      // OpenAI has no top_k and node-llama-cpp defaults it to 40. `null` switches the sampler off
      // (its config drops null fields); 0 would mean "all tokens" but still sort the vocabulary.
      topK: params.topK !== undefined && params.topK > 0 ? params.topK : (null as unknown as number),
      minP: 0,
      seed: normalizeSeed(params.seed),
      yieldEogToken: true,
      ...(tokenBias ? { tokenBias } : {}),
      ...(penalize
        ? {
            repeatPenalty: {
              punishTokens: () => asTokens(generated),
              maxPunishTokens: this.contextSize,
              penalty: 1,
              presencePenalty: params.presencePenalty ?? 0,
              frequencyPenalty: params.frequencyPenalty ?? 0,
            },
          }
        : {}),
    };
  }

  private generatedToken(
    id: number,
    probabilities: Map<number, number> | undefined,
    temperature: number,
    topLogprobs: number | undefined,
  ): GeneratedToken {
    const p = this.piece(id);
    const out: GeneratedToken = { id, token: p.display, bytes: Array.from(p.bytes) };
    if (topLogprobs !== undefined && probabilities) {
      const table = logprobTable(probabilities, temperature);
      out.logprob = table.logprob(id);
      out.topLogprobs = table.top(topLogprobs).map((e) => this.tokenLogprob(e.id, e.logprob));
    }
    return out;
  }

  private tokenLogprob(id: number, logprob: number): TokenLogprob {
    const p = this.piece(id);
    return { id, token: p.display, bytes: Array.from(p.bytes), logprob };
  }

  private piece(id: number): TokenPiece {
    const known = this.pieces?.[id];
    if (known) return known;
    let cached = this.pieceCache.get(id);
    if (!cached) {
      const bytes = new TextEncoder().encode(this.model.detokenize(asTokens([id]), false));
      cached = { bytes, display: bytes.length > 0 ? displayBytes(bytes) : this.model.detokenize(asTokens([id]), true) };
      this.pieceCache.set(id, cached);
    }
    return cached;
  }

  private checkTokenIds(tokens: readonly number[], param: string): void {
    const vocab = this.info.vocabSize ?? Number.MAX_SAFE_INTEGER;
    for (const t of tokens) {
      if (!Number.isInteger(t) || t < 0 || t >= vocab) {
        throw invalidRequest(`${param}: token id ${t} is not in this model's vocabulary (0..${vocab - 1}).`, param);
      }
    }
  }

  private ensureOpen(): void {
    if (this.closing.signal.aborted) throw unavailable("The model is shutting down; retry on another worker.");
  }
}

function chatFormatFor(model: LlamaModel, logger: EngineLogger): ChatFormat {
  const template = metadataString(model, "tokenizer", "chat_template");
  if (template !== undefined && template.trim() !== "") {
    try {
      const wrapper = new JinjaTemplateChatWrapper({
        template,
        tokenizer: model.tokenizer,
        joinAdjacentMessagesOfTheSameType: false,
        trimLeadingWhitespaceInResponses: false,
      });
      // Render once now, so a template llama.cpp cannot use fails here and not on every request.
      wrapper.generateContextState({
        chatHistory: [
          { type: "system", text: "s" },
          { type: "user", text: "u" },
          { type: "model", response: [] },
        ],
      });
      return { wrapper, source: "model" };
    } catch (error) {
      logger.warn(
        `The model's chat template cannot be used (${error instanceof Error ? error.message : String(error)}); using ChatML.`,
      );
    }
  }
  return { wrapper: new ChatMLChatWrapper(), source: "default-chatml" };
}

// getLlama() takes 0.5–0.9 s (it loads and checks the native binding). A closed engine hands its
// instance back here and the next engine opened in this process reuses it; engines open at the
// same time each get their own, so their thread budgets (maxThreads) stay separate.
const idleLlamas: Llama[] = [];
type LlamaLogger = (level: LlamaLogLevel, message: string) => void;

async function takeLlama(threads: number, logger: LlamaLogger): Promise<Llama> {
  const llama =
    idleLlamas.pop() ??
    (await getLlama({ gpu: false, build: "never", maxThreads: threads, logLevel: LlamaLogLevel.warn }));
  llama.maxThreads = threads;
  llama.logger = logger;
  return llama;
}

function giveBackLlama(llama: Llama): void {
  llama.logger = () => {};
  idleLlamas.push(llama);
}

function positiveInt(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new LlmopsError("config_invalid", `${name} must be a positive integer, got ${value}.`, { param: name });
  }
  return value;
}

export async function openLlamaCppEngine(options: LlamaCppEngineOptions): Promise<LlamaCppEngine> {
  const logger = options.logger ?? silentLogger;
  const threads = positiveInt(options.threads, "threads", 1);
  const sequences = positiveInt(options.sequences, "sequences", 1);
  const maxQueue = options.maxQueue ?? 64;
  if (!Number.isSafeInteger(maxQueue) || maxQueue < 0) {
    throw new LlmopsError("config_invalid", `maxQueue must be a non-negative integer, got ${maxQueue}.`, {
      param: "maxQueue",
    });
  }
  try {
    if (!statSync(options.modelPath).isFile()) throw new Error("not a file");
  } catch {
    throw new LlmopsError(
      "not_found",
      `Model file ${options.modelPath} does not exist or is not a file; check the path.`,
      {
        param: "modelPath",
      },
    );
  }
  const llama = await takeLlama(threads, (level, message) => {
    const text = message.trim();
    if (text === "") return;
    if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) logger.warn(`llama.cpp: ${text}`);
    else logger.debug(`llama.cpp: ${text}`);
  });
  let model: LlamaModel | undefined;
  try {
    model = await llama.loadModel({ modelPath: options.modelPath });
    const trained = model.trainContextSize > 0 ? model.trainContextSize : null;
    const contextSize = positiveInt(options.contextSize, "contextSize", Math.min(trained ?? 4096, 4096));
    if (trained !== null && contextSize > trained) {
      logger.warn(`contextSize ${contextSize} is larger than the ${trained} tokens the model was trained with.`);
    }
    const kvType = options.kvCache === "f32" ? "F32" : "F16";
    const context = await model.createContext({
      contextSize,
      sequences,
      threads,
      experimentalKvCacheKeyType: kvType,
      experimentalKvCacheValueType: kvType,
      // Flash attention accumulates in F16 on CPU: exact mode turns it off as well.
      ...(options.kvCache === "f32" ? { flashAttention: false } : {}),
    });
    const chatFormat = chatFormatFor(model, logger);
    const vocabSize = metadataArray(model, "tokenizer", "ggml", "tokens")?.length ?? null;
    const info: ModelInfo = {
      id: options.id,
      contextLength: context.contextSize,
      trainContextLength: trained,
      vocabSize,
      embeddingDim: model.embeddingVectorSize > 0 ? model.embeddingVectorSize : null,
      chatTemplate: chatFormat.source,
      details: {
        engine: "llama.cpp",
        llamaCppRelease: llama.llamaCppRelease.release,
        architecture: String(model.fileInfo.metadata.general.architecture),
        file: options.modelPath,
        sizeBytes: model.size,
        threads,
        sequences,
      },
    };
    return new LlamaCppEngine(llama, model, context, chatFormat, { threads, maxQueue, logger }, info);
  } catch (error) {
    await model?.dispose().catch(() => undefined);
    giveBackLlama(llama);
    if (error instanceof LlmopsError) throw error;
    throw new LlmopsError(
      "invalid_request",
      `Cannot load ${options.modelPath} with llama.cpp (${error instanceof Error ? error.message : String(error)}); is it a valid GGUF model?`,
      { param: "modelPath", cause: error },
    );
  }
}
