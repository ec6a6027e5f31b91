// LogProbScorer on any OpenAI-compatible server that echoes prompt log-probabilities on
// /v1/completions (vLLM, llama.cpp's server, our own workers and gateway): one request per prompt,
// `echo: true, logprobs: 0, max_tokens: 0`, sent `concurrency` at a time. The target's log-prob is
// the sum over the echoed tokens that start at or after the end of the prompt (text_offset counts
// characters). Servers that refuse max_tokens 0 are retried once with 1 and the generated token is
// left out.
//
// Limits: the prompt and target are sent as one text, so a tokenizer that merges across their
// boundary scores a slightly different target for different prompts (our worker's /v1/score —
// WorkerScorer — avoids this); the first token of a text has no log-probability, so a model without
// BOS cannot score a target after an empty prompt.
import { LlmopsError } from "../../errors.js";
import type { LogProbScorer, TokenSpan } from "../types.js";

export interface OpenAiScorerOptions {
  /** Base URL including /v1, e.g. http://127.0.0.1:8000/v1 */
  baseUrl: string;
  model: string;
  apiKey?: string;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Per request (default 120 s). */
  timeoutMs?: number;
}

interface EchoLogprobs {
  tokens: string[];
  token_logprobs: Array<number | null>;
  text_offset: number[];
}

/** UTF-16 index of the `cp`-th code point of `text`. */
function utf16Index(text: string, cp: number): number {
  let i = 0;
  let n = 0;
  while (n < cp && i < text.length) {
    const c = text.codePointAt(i) as number;
    i += c > 0xffff ? 2 : 1;
    n++;
  }
  return i;
}

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

export class OpenAiScorer implements LogProbScorer {
  readonly id: string;
  private echoMaxTokens = 0;

  constructor(protected readonly options: OpenAiScorerOptions) {
    this.id = `${options.baseUrl.replace(/\/+$/, "")} (model ${options.model})`;
  }

  protected async post(path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
    const url = `${this.options.baseUrl.replace(/\/+$/, "")}${path}`;
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 120_000);
    let response: Response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      throw new LlmopsError(
        "unavailable",
        `Cannot reach ${url} (${error instanceof Error ? error.message : String(error)}); check the endpoint URL and that the server is up.`,
        { cause: error },
      );
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!response.ok) {
      const message = (json as { error?: { message?: string } } | null)?.error?.message ?? text.slice(0, 300);
      throw new LlmopsError(
        response.status === 401 || response.status === 403
          ? "unauthorized"
          : response.status < 500
            ? "invalid_request"
            : "unavailable",
        `${url} answered ${response.status}: ${message}`,
        { status: response.status === 401 || response.status === 403 ? response.status : 502 },
      );
    }
    return json;
  }

  private async echo(text: string, signal?: AbortSignal): Promise<EchoLogprobs> {
    const body = { model: this.options.model, prompt: text, echo: true, logprobs: 0, temperature: 0 };
    let json: unknown;
    try {
      json = await this.post("/completions", { ...body, max_tokens: this.echoMaxTokens }, signal);
    } catch (error) {
      if (this.echoMaxTokens !== 0 || !(error instanceof LlmopsError) || error.code !== "invalid_request") throw error;
      this.echoMaxTokens = 1; // the server wants at least one generated token
      json = await this.post("/completions", { ...body, max_tokens: 1 }, signal);
    }
    const lp = (json as { choices?: Array<{ logprobs?: EchoLogprobs | null }> } | null)?.choices?.[0]?.logprobs;
    if (!lp || !Array.isArray(lp.token_logprobs) || !Array.isArray(lp.text_offset))
      throw new LlmopsError(
        "unavailable",
        `${this.id} did not return prompt log-probabilities (echo + logprobs on /v1/completions); this endpoint cannot be explained with black-box methods.`,
      );
    return lp;
  }

  async scoreBatch(prompts: string[], target: string, signal?: AbortSignal): Promise<number[]> {
    const targetCp = codePoints(target);
    return mapLimit(prompts, this.options.concurrency ?? 4, async (prompt) => {
      const lp = await this.echo(prompt + target, signal);
      const start = codePoints(prompt);
      const end = start + targetCp;
      let sum = 0;
      let counted = 0;
      for (let i = 0; i < lp.text_offset.length; i++) {
        const at = lp.text_offset[i] as number;
        if (at < start || at >= end) continue;
        const v = lp.token_logprobs[i];
        if (v === null || v === undefined)
          throw new LlmopsError(
            "invalid_request",
            `${this.id} gave no log-probability for the target's first token (a model without BOS cannot score it after an empty prompt).`,
          );
        sum += v;
        counted++;
      }
      if (counted === 0) throw new LlmopsError("internal", `${this.id} echoed no tokens for the target.`);
      return sum;
    });
  }

  async tokenSpans(text: string): Promise<TokenSpan[]> {
    const lp = await this.echo(text);
    const total = codePoints(text);
    const offsets = lp.text_offset.filter((o) => o < total);
    const distinct = [...new Set(offsets)].sort((a, b) => a - b);
    return offsets.map((o) => {
      const next = distinct.find((d) => d > o) ?? total;
      return { start: utf16Index(text, o), end: utf16Index(text, next) };
    });
  }

  async greedy(prompt: string, maxTokens: number, signal?: AbortSignal): Promise<string> {
    const json = await this.post(
      "/completions",
      { model: this.options.model, prompt, max_tokens: maxTokens, temperature: 0 },
      signal,
    );
    const text = (json as { choices?: Array<{ text?: unknown }> } | null)?.choices?.[0]?.text;
    if (typeof text !== "string") throw new LlmopsError("unavailable", `${this.id} returned no completion text.`);
    return text;
  }
}
