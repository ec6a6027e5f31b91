// The Engine contract: what the worker server (and later the gateway, evaluation and explainability
// modules) need from anything that runs a language model. One implementation per file under
// ./engines/ — llama.cpp in-process today; an OpenAI-compatible upstream (vLLM, llama.cpp server, a
// cloud API) fits the same shape, which is why everything here is async and the fields a remote
// server cannot know (vocabulary, embedding size) may be null.
//
// Generation is an async iterable of events, not a callback API, so the HTTP layer can stream with
// backpressure, stop early by breaking out of the loop (which releases the model), and the same
// events feed both the JSON and the SSE responses.

/** What the engine serves; the worker's /v1/models and /healthz report it. */
export interface ModelInfo {
  /** The name clients use in `model`. */
  id: string;
  /** Most tokens one request may use, prompt and completion together. */
  contextLength: number;
  /** Context length the model was trained with (from its metadata); null when unknown. */
  trainContextLength: number | null;
  /** Number of tokens in the vocabulary; null when unknown (remote engines). */
  vocabSize: number | null;
  /** Length of the vectors `embed` returns; null when unknown or unsupported. */
  embeddingDim: number | null;
  /**
   * Where the chat prompt format comes from: the model's own `tokenizer.chat_template`, or the
   * documented default (ChatML) when the model has none. `remote`: the upstream applies its own.
   */
  chatTemplate: "model" | "default-chatml" | "remote";
  /** Extra facts to show (architecture, file, quantisation, threads); never secrets. */
  details: Record<string, string | number | boolean>;
}

export type ChatRole = "system" | "developer" | "user" | "assistant" | "tool";

export interface ChatMessage {
  role: ChatRole;
  /** Text content; array-of-parts content is flattened to text by the HTTP layer. */
  content: string;
  name?: string;
}

/** Sampling and output controls shared by completions and chat; OpenAI semantics. */
export interface GenerationParams {
  /**
   * Most tokens to generate. Undefined: as many as fit in the context. A value that together with
   * the prompt exceeds the context is clamped to what fits and the generation then finishes with
   * "length" (as llama.cpp's server does) instead of failing.
   */
  maxTokens?: number;
  /** 0 means greedy (always the most likely token). Default 1, as in OpenAI's API. */
  temperature?: number;
  /** Nucleus sampling; default 1 (off). */
  topP?: number;
  /** Extension (vLLM, llama.cpp): keep only the k most likely tokens; 0 or undefined = off. */
  topK?: number;
  /** Same seed + same parameters + same prompt → the same output (on the same build and threads). */
  seed?: number;
  /** Up to 4 strings; generation stops before the first of them, which is not part of the output. */
  stop?: string[];
  /**
   * Undefined: no log-probabilities. A number 0–20: each generated token carries its log-probability
   * and that many most likely alternatives.
   */
  logprobs?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  /** Token id → bias added to its logit (−100…100, OpenAI's logit_bias). */
  logitBias?: Record<number, number>;
}

export interface CompletionRequest extends GenerationParams {
  /** Text (special-token text such as "<|im_start|>" is parsed, as llama.cpp and vLLM do) or token ids. */
  prompt: string | number[];
}

export type ChatRequest = GenerationParams;

/** One token and its log-probability, as OpenAI's logprobs report it. */
export interface TokenLogprob {
  id: number;
  /**
   * The token as text: its UTF-8 text when its bytes are valid UTF-8 on their own, otherwise
   * "bytes:\\xe4\\xbd" (OpenAI's convention for partial characters); control tokens show their name.
   */
  token: string;
  /** The exact bytes of the token (empty for control tokens). */
  bytes: number[];
  /**
   * Natural log of the probability under the model's distribution after logit_bias and penalties,
   * before temperature. Top-p/top-k with temperature > 0 renormalises over the kept tokens.
   */
  logprob: number;
}

export interface GeneratedToken {
  id: number;
  token: string;
  bytes: number[];
  /** Present when logprobs were requested. */
  logprob?: number;
  /** Present when logprobs were requested: the most likely alternatives, most likely first. */
  topLogprobs?: TokenLogprob[];
}

export type FinishReason = "stop" | "length";

export interface Usage {
  /** Tokens of the prompt as evaluated: BOS, chat template and message tokens included. */
  promptTokens: number;
  /** Tokens generated, including the end-of-generation token or the tokens of a stop string. */
  completionTokens: number;
}

/**
 * Text deltas, in order, then exactly one `done`. Concatenating the deltas' text gives the output;
 * stop strings are never part of it. A delta may carry no text (a token that is the first byte of a
 * multibyte character) or several tokens (text held back while it might start a stop string).
 */
export type GenerationEvent =
  | { type: "delta"; text: string; tokens: GeneratedToken[] }
  | { type: "done"; finishReason: FinishReason; usage: Usage };

/** Per-token log-probabilities of a given text (teacher forcing): perplexity, echo, explainability. */
export interface PromptScore {
  /** Entry i is token i of the prompt; the first token has no logprob (nothing precedes it). */
  tokens: Array<Omit<GeneratedToken, "logprob"> & { logprob: number | null }>;
  usage: Usage;
}

export interface EmbeddingResult {
  /** One L2-normalised vector per input, in input order. */
  vectors: Float32Array[];
  promptTokens: number;
}

export interface EngineStats {
  /** Requests generating or embedding right now. */
  active: number;
  /** Requests waiting for a free slot. */
  queued: number;
}

export interface Engine {
  readonly info: ModelInfo;
  /** Text → token ids. `addSpecial` adds BOS when the model wants it (default false). */
  tokenize(text: string, options?: { addSpecial?: boolean }): Promise<number[]>;
  /** Token ids → text (invalid UTF-8 becomes U+FFFD; control tokens are left out). */
  detokenize(tokens: number[]): Promise<string>;
  complete(request: CompletionRequest, signal?: AbortSignal): AsyncIterable<GenerationEvent>;
  chat(messages: ChatMessage[], request: ChatRequest, signal?: AbortSignal): AsyncIterable<GenerationEvent>;
  /** Log-probability of every token of the prompt given the ones before it; optional per engine. */
  score?(prompt: string | number[], options?: { topLogprobs?: number; signal?: AbortSignal }): Promise<PromptScore>;
  embed(inputs: Array<string | number[]>, signal?: AbortSignal): Promise<EmbeddingResult>;
  stats(): EngineStats;
  /** Stops accepting work, aborts waiting requests and frees the model. Idempotent. */
  close(): Promise<void>;
}
