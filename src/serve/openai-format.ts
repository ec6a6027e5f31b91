// Request bodies → engine parameters, and engine events → OpenAI's response and stream-chunk shapes
// (chat.completion, chat.completion.chunk, text_completion, embeddings list). Pure functions, so the
// worker and anything else speaking /v1 on top of an Engine format answers the same way.
import type { ChatMessage, FinishReason, GeneratedToken, GenerationParams, TokenLogprob, Usage } from "./engine.js";
import {
  type ChatCompletionRequestBody,
  type CompletionRequestBody,
  type EmbeddingRequestBody,
  messageText,
  stopList,
} from "./openai-schemas.js";
import { Utf8StreamDecoder } from "./text-stream.js";

/** OpenAI's default max_tokens for /v1/completions. */
export const COMPLETIONS_DEFAULT_MAX_TOKENS = 16;

function commonParams(body: ChatCompletionRequestBody | CompletionRequestBody): GenerationParams {
  const params: GenerationParams = {
    temperature: body.temperature ?? 1,
    topP: body.top_p ?? 1,
    stop: stopList(body.stop),
  };
  if (body.top_k != null && body.top_k > 0) params.topK = body.top_k;
  if (body.seed != null) params.seed = body.seed;
  if (body.presence_penalty != null) params.presencePenalty = body.presence_penalty;
  if (body.frequency_penalty != null) params.frequencyPenalty = body.frequency_penalty;
  if (body.logit_bias != null) {
    params.logitBias = Object.fromEntries(Object.entries(body.logit_bias).map(([k, v]) => [Number(k), v]));
  }
  return params;
}

export function chatParams(body: ChatCompletionRequestBody): { messages: ChatMessage[]; params: GenerationParams } {
  const params = commonParams(body);
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens != null) params.maxTokens = maxTokens;
  if (body.logprobs === true) params.logprobs = body.top_logprobs ?? 0;
  const messages = body.messages.map((m): ChatMessage => {
    const message: ChatMessage = { role: m.role, content: messageText(m.content) };
    if (m.name != null) message.name = m.name;
    return message;
  });
  return { messages, params };
}

export function completionParams(body: CompletionRequestBody): { prompt: string | number[]; params: GenerationParams } {
  const params = commonParams(body);
  params.maxTokens = body.max_tokens ?? COMPLETIONS_DEFAULT_MAX_TOKENS;
  if (body.logprobs != null) params.logprobs = body.logprobs;
  const p = body.prompt;
  let prompt: string | number[];
  if (typeof p === "string") prompt = p;
  else if (p.length > 0 && typeof p[0] === "number") prompt = p as number[];
  else prompt = p[0] as string | number[];
  return { prompt, params };
}

export function embeddingInputs(body: EmbeddingRequestBody): Array<string | number[]> {
  const input = body.input;
  if (typeof input === "string") return [input];
  if (input.length > 0 && typeof input[0] === "number") return [input as number[]];
  return input as Array<string | number[]>;
}

export interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export function openAiUsage(usage: Usage): OpenAiUsage {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
  };
}

// ---- logprobs ------------------------------------------------------------------------------------

export interface ChatLogprobEntry {
  token: string;
  logprob: number;
  bytes: number[];
  top_logprobs: Array<{ token: string; logprob: number; bytes: number[] }>;
}

export function chatLogprobs(tokens: readonly GeneratedToken[]): { content: ChatLogprobEntry[]; refusal: null } {
  return {
    content: tokens.map((t) => ({
      token: t.token,
      logprob: t.logprob ?? 0,
      bytes: t.bytes,
      top_logprobs: (t.topLogprobs ?? []).map((e: TokenLogprob) => ({
        token: e.token,
        logprob: e.logprob,
        bytes: e.bytes,
      })),
    })),
    refusal: null,
  };
}

export interface CompletionLogprobs {
  tokens: string[];
  token_logprobs: Array<number | null>;
  top_logprobs: Array<Record<string, number> | null>;
  text_offset: number[];
}

/** Counts code points of the output as tokens arrive, for text_offset (offsets in characters). */
export class TextOffsetCounter {
  private readonly decoder = new Utf8StreamDecoder();
  private count: number;

  constructor(start = 0) {
    this.count = start;
  }

  /** Offset at which this token starts; then advances past its bytes. */
  next(bytes: readonly number[]): number {
    const at = this.count;
    for (const _ of this.decoder.decode(bytes)) this.count++;
    return at;
  }
}

export function completionLogprobs(
  tokens: ReadonlyArray<Pick<GeneratedToken, "token" | "bytes" | "topLogprobs"> & { logprob?: number | null }>,
  offsets: TextOffsetCounter,
): CompletionLogprobs {
  const out: CompletionLogprobs = { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
  for (const t of tokens) {
    out.tokens.push(t.token);
    out.token_logprobs.push(t.logprob ?? null);
    if (t.logprob === null || t.topLogprobs === undefined) out.top_logprobs.push(null);
    else {
      const top: Record<string, number> = {};
      // Most likely first; two tokens that print the same keep the likelier one.
      for (const e of t.topLogprobs) if (!(e.token in top)) top[e.token] = e.logprob;
      out.top_logprobs.push(top);
    }
    out.text_offset.push(offsets.next(t.bytes));
  }
  return out;
}

// ---- responses and chunks ------------------------------------------------------------------------

export interface ResponseMeta {
  id: string;
  created: number;
  model: string;
  systemFingerprint: string;
}

export function chatCompletion(
  meta: ResponseMeta,
  text: string,
  finishReason: FinishReason,
  usage: Usage,
  tokens: readonly GeneratedToken[] | null,
) {
  return {
    id: meta.id,
    object: "chat.completion" as const,
    created: meta.created,
    model: meta.model,
    system_fingerprint: meta.systemFingerprint,
    choices: [
      {
        index: 0,
        message: { role: "assistant" as const, content: text, refusal: null },
        logprobs: tokens ? chatLogprobs(tokens) : null,
        finish_reason: finishReason,
      },
    ],
    usage: openAiUsage(usage),
  };
}

export function chatChunk(
  meta: ResponseMeta,
  delta: { role?: "assistant"; content?: string },
  options: {
    tokens?: readonly GeneratedToken[] | null;
    finishReason?: FinishReason | null;
    withUsageField?: boolean;
  } = {},
) {
  return {
    id: meta.id,
    object: "chat.completion.chunk" as const,
    created: meta.created,
    model: meta.model,
    system_fingerprint: meta.systemFingerprint,
    choices: [
      {
        index: 0,
        delta,
        logprobs: options.tokens ? chatLogprobs(options.tokens) : null,
        finish_reason: options.finishReason ?? null,
      },
    ],
    ...(options.withUsageField ? { usage: null } : {}),
  };
}

export function chatUsageChunk(meta: ResponseMeta, usage: Usage) {
  return {
    id: meta.id,
    object: "chat.completion.chunk" as const,
    created: meta.created,
    model: meta.model,
    system_fingerprint: meta.systemFingerprint,
    choices: [],
    usage: openAiUsage(usage),
  };
}

export function textCompletion(
  meta: ResponseMeta,
  text: string,
  finishReason: FinishReason,
  usage: Usage,
  logprobs: CompletionLogprobs | null,
) {
  return {
    id: meta.id,
    object: "text_completion" as const,
    created: meta.created,
    model: meta.model,
    system_fingerprint: meta.systemFingerprint,
    choices: [{ index: 0, text, logprobs, finish_reason: finishReason }],
    usage: openAiUsage(usage),
  };
}

export function textCompletionChunk(
  meta: ResponseMeta,
  text: string,
  options: { logprobs?: CompletionLogprobs | null; finishReason?: FinishReason | null; withUsageField?: boolean } = {},
) {
  return {
    id: meta.id,
    object: "text_completion" as const,
    created: meta.created,
    model: meta.model,
    system_fingerprint: meta.systemFingerprint,
    choices: [{ index: 0, text, logprobs: options.logprobs ?? null, finish_reason: options.finishReason ?? null }],
    ...(options.withUsageField ? { usage: null } : {}),
  };
}

export function textCompletionUsageChunk(meta: ResponseMeta, usage: Usage) {
  return {
    id: meta.id,
    object: "text_completion" as const,
    created: meta.created,
    model: meta.model,
    system_fingerprint: meta.systemFingerprint,
    choices: [],
    usage: openAiUsage(usage),
  };
}

/** OpenAI's base64 embedding: the float32 little-endian bytes of the vector. */
export function embeddingBase64(vector: Float32Array): string {
  const bytes = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i] as number, i * 4);
  return bytes.toString("base64");
}

export function embeddingList(
  model: string,
  vectors: readonly Float32Array[],
  promptTokens: number,
  format: "float" | "base64",
) {
  return {
    object: "list" as const,
    data: vectors.map((v, index) => ({
      object: "embedding" as const,
      index,
      embedding: format === "base64" ? embeddingBase64(v) : Array.from(v),
    })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}
