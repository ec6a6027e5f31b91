// A provider that speaks OpenAI's HTTP API: our workers and gateway, vLLM, llama.cpp's server,
// Ollama, cloud APIs. Text prompts go to /v1/completions (or to chat as one user message when the
// endpoint is chat-only), chat prompts to /v1/chat/completions, embeddings to /v1/embeddings, and
// continuation scores come from /v1/completions with echo + logprobs and max_tokens 0 (our workers
// and vLLM support it; most cloud APIs do not, and say so with a clear error).
//
// HTTP goes through one undici Agent per provider (keep-alive pool): evaluation makes many small
// calls, and the pool is what keeps their overhead low at high concurrency.
import { Agent, request } from "undici";
import { LlmopsError } from "../../errors.js";
import type {
  CallOptions,
  ContinuationScore,
  GenerationOptions,
  PromptInput,
  Provider,
  ProviderResponse,
} from "../types.js";

export interface OpenAiCompatibleOptions {
  id: string;
  label: string;
  /** Base URL ending in /v1 (a trailing slash is fine). */
  baseUrl: string;
  /** More servers of the same model (e.g. every live worker of a version): calls rotate over all. */
  moreBaseUrls?: string[] | undefined;
  /** The `model` sent in requests. */
  model: string;
  apiKey?: string | undefined;
  textApi: "completions" | "chat";
  timeoutMs?: number | undefined;
  /** Defaults under each call's options (the suite's and the provider's generation options). */
  defaults?: GenerationOptions | undefined;
  /** Pool size; evaluation concurrency beyond it queues in the pool. */
  connections?: number | undefined;
  /** Extra clean-up when the provider closes (a worker started for the run). */
  onClose?: (() => Promise<void>) | undefined;
}

const RETRY_STATUSES = new Set([429, 502, 503]);
const MAX_ATTEMPTS = 3;

interface CompletionBody {
  choices?: Array<{
    text?: string;
    message?: { content?: string | null };
    finish_reason?: string | null;
    logprobs?: {
      token_logprobs?: Array<number | null>;
      text_offset?: number[];
      tokens?: string[];
      content?: Array<{ logprob: number }> | null;
    } | null;
  }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number };
}

export class OpenAiCompatibleProvider implements Provider {
  readonly id: string;
  readonly label: string;
  private readonly bases: string[];
  private turn = 0;
  private readonly agent: Agent;
  private closed: Promise<void> | undefined;

  constructor(private readonly options: OpenAiCompatibleOptions) {
    this.id = options.id;
    this.label = options.label;
    this.bases = [options.baseUrl, ...(options.moreBaseUrls ?? [])].map((u) => u.replace(/\/+$/, ""));
    this.agent = new Agent({ connections: options.connections ?? 64, keepAliveTimeout: 30_000, pipelining: 1 });
  }

  async generate(prompt: PromptInput, options: CallOptions): Promise<ProviderResponse> {
    const o = { ...this.options.defaults, ...stripUndefined(options) };
    const params: Record<string, unknown> = {
      model: this.options.model,
      temperature: o.temperature ?? 0,
      max_tokens: o.maxTokens ?? 64,
    };
    if (o.topP !== undefined) params.top_p = o.topP;
    if (o.seed !== undefined) params.seed = o.seed;
    if (o.stop?.length) params.stop = o.stop;
    const chat = typeof prompt !== "string" || this.options.textApi === "chat";
    if (chat) {
      params.messages = typeof prompt === "string" ? [{ role: "user", content: prompt }] : prompt;
      if (o.logprobs) params.logprobs = true;
    } else {
      params.prompt = prompt;
      if (o.logprobs) params.logprobs = 0;
    }
    const started = performance.now();
    const body = await this.post<CompletionBody>(chat ? "/chat/completions" : "/completions", params, options.signal);
    const latencyMs = performance.now() - started;
    const choice = body.choices?.[0];
    if (!choice) throw this.error("unavailable", "answered without choices");
    const text = (chat ? choice.message?.content : choice.text) ?? "";
    let logprobs: number[] | undefined;
    if (o.logprobs && choice.logprobs) {
      logprobs = chat
        ? (choice.logprobs.content ?? []).map((t) => t.logprob)
        : (choice.logprobs.token_logprobs ?? []).filter((x): x is number => typeof x === "number");
    }
    return {
      text,
      latencyMs,
      promptTokens: body.usage?.prompt_tokens ?? 0,
      completionTokens: body.usage?.completion_tokens ?? 0,
      ...(logprobs ? { logprobs } : {}),
      ...(choice.finish_reason ? { finishReason: choice.finish_reason } : {}),
    };
  }

  async scoreContinuation(
    prompt: string,
    continuation: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<ContinuationScore> {
    if (continuation === "") return { logprob: 0, tokens: 0 };
    const body = await this.post<CompletionBody>(
      "/completions",
      {
        model: this.options.model,
        prompt: prompt + continuation,
        max_tokens: 0,
        echo: true,
        logprobs: 0,
        temperature: 0,
      },
      options.signal,
    );
    const lp = body.choices?.[0]?.logprobs;
    const offsets = lp?.text_offset;
    const values = lp?.token_logprobs;
    if (!offsets || !values || offsets.length !== values.length) {
      throw this.error(
        "unavailable",
        "did not return prompt logprobs (echo + logprobs on /v1/completions); score continuations against an llmops worker or vLLM",
      );
    }
    // text_offset counts characters as the server does (code points for our workers); a token that
    // straddles the boundary belongs to the continuation, since it is part of what is scored.
    const boundary = [...prompt].length;
    const total = [...(prompt + continuation)].length;
    let logprob = 0;
    let tokens = 0;
    for (let i = 0; i < offsets.length; i++) {
      const end = i + 1 < offsets.length ? (offsets[i + 1] as number) : total;
      const value = values[i];
      if (end > boundary && typeof value === "number") {
        logprob += value;
        tokens++;
      }
    }
    return { logprob, tokens };
  }

  async embed(texts: string[], options: { signal?: AbortSignal } = {}): Promise<number[][]> {
    if (texts.length === 0) return [];
    const body = await this.post<{ data?: Array<{ index: number; embedding: number[] }> }>(
      "/embeddings",
      { model: this.options.model, input: texts },
      options.signal,
    );
    const data = body.data ?? [];
    if (data.length !== texts.length)
      throw this.error("unavailable", `returned ${data.length} embeddings for ${texts.length} inputs`);
    return [...data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      await this.agent.close();
      await this.options.onClose?.();
    })();
    return this.closed;
  }

  private async post<T>(route: string, payload: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    const timeout = this.options.timeoutMs ?? 120_000;
    const base = this.bases[this.turn++ % this.bases.length] as string;
    for (let attempt = 1; ; attempt++) {
      let status: number;
      let text: string;
      try {
        const response = await request(`${base}${route}`, {
          method: "POST",
          headers,
          body: JSON.stringify(payload),
          dispatcher: this.agent,
          headersTimeout: timeout,
          bodyTimeout: timeout,
          ...(signal ? { signal } : {}),
        });
        status = response.statusCode;
        text = await response.body.text();
      } catch (error) {
        if (signal?.aborted) throw error;
        const code = (error as { code?: string }).code ?? "";
        if (attempt < MAX_ATTEMPTS && (code === "ECONNRESET" || code === "UND_ERR_SOCKET")) continue;
        throw this.error("unavailable", `is unreachable at ${base} (${(error as Error).message})`, error);
      }
      if (status >= 200 && status < 300) {
        try {
          return JSON.parse(text) as T;
        } catch (error) {
          throw this.error("unavailable", `answered ${route} with a body that is not JSON`, error);
        }
      }
      if (attempt < MAX_ATTEMPTS && RETRY_STATUSES.has(status)) {
        await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
        continue;
      }
      let message = text.slice(0, 300);
      try {
        const parsed = JSON.parse(text) as { error?: { message?: string } };
        if (parsed.error?.message) message = parsed.error.message;
      } catch {
        // not JSON: keep the text
      }
      const code =
        status === 401 ? "unauthorized" : status === 403 ? "forbidden" : status === 404 ? "not_found" : "unavailable";
      const hint = status === 401 ? " (set the API key's environment variable, e.g. --api-key-env)" : "";
      throw this.error(code, `answered ${route} with HTTP ${status}: ${message}${hint}`);
    }
  }

  private error(
    code: "unavailable" | "unauthorized" | "forbidden" | "not_found",
    what: string,
    cause?: unknown,
  ): LlmopsError {
    return new LlmopsError(code, `Provider ${this.label} ${what.replace(/\.+$/, "")}.`, {
      status: 502,
      ...(cause ? { cause } : {}),
    });
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
