// The fastest LogProbScorer for a GGUF in this process: node-llama-cpp directly on one KV-cache
// sequence, doing only what a continuation score needs.
// - Prefix reuse: perturbed prompts share their beginning with the previous one (occlusion and the
//   deletion curves remove one feature at a time), so the KV cache is kept up to the first token
//   that differs and only the rest is evaluated — about half of every prompt on average.
// - Probabilities only where the target is predicted (the Engine's score() computes them at every
//   position, which costs more than the forward pass on small models: measured 2–4× slower).
// The numbers are the engine's: the same llama.cpp evaluation and the same logprobTable; a test
// compares the two.
import { existsSync, statSync } from "node:fs";
import {
  getLlama,
  type LlamaContext,
  type LlamaContextSequence,
  LlamaLogLevel,
  type LlamaModel,
  type Token,
} from "node-llama-cpp";
import { invalidRequest, LlmopsError } from "../../errors.js";
import { logprobTable } from "../../serve/logprobs.js";
import type { LogProbScorer, TokenSpan } from "../types.js";
import { alignTokens } from "./engine.js";

export interface TokenizingScorer extends LogProbScorer {
  encode(prompt: string, target: string): Promise<{ promptIds: number[]; targetIds: number[]; bos: number }>;
  tokenSpans(text: string): Promise<TokenSpan[]>;
  detokenize(ids: number[]): Promise<string>;
}

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

export class LlamaCppScorer implements TokenizingScorer {
  private queue: Promise<unknown> = Promise.resolve();
  /** Tokens evaluated in the sequence's KV cache, in order. */
  private cached: number[] = [];
  /** Tokens evaluated (not reused from the cache), for the benchmark. */
  evaluatedTokens = 0;

  private constructor(
    readonly id: string,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly sequence: LlamaContextSequence,
  ) {}

  static async open(
    file: string,
    id: string,
    options: { threads?: number; contextSize?: number } = {},
  ): Promise<LlamaCppScorer> {
    const threads = options.threads ?? 1;
    if (!existsSync(file) || !statSync(file).isFile())
      throw new LlmopsError("not_found", `Model file ${file} does not exist or is not a file; check the path.`);
    const llama = await getLlama({ gpu: false, build: "never", maxThreads: threads, logLevel: LlamaLogLevel.error });
    let model: LlamaModel | undefined;
    try {
      model = await llama.loadModel({ modelPath: file });
      const trained = model.trainContextSize > 0 ? model.trainContextSize : 2048;
      const context = await model.createContext({
        contextSize: Math.min(options.contextSize ?? trained, trained, 4096),
        sequences: 1,
        threads,
      });
      return new LlamaCppScorer(id, model, context, context.getSequence());
    } catch (error) {
      await model?.dispose().catch(() => undefined);
      throw new LlmopsError(
        "invalid_request",
        `Cannot load ${file} with llama.cpp (${error instanceof Error ? error.message : String(error)}); is it a valid GGUF model?`,
        { cause: error },
      );
    }
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private withBos(tokens: number[]): number[] {
    const bos = this.model.tokens.bos;
    return this.model.tokens.shouldPrependBosToken && bos !== null && tokens[0] !== bos ? [bos, ...tokens] : tokens;
  }

  async encode(prompt: string, target: string): Promise<{ promptIds: number[]; targetIds: number[]; bos: number }> {
    const plain = this.model.tokenize(prompt, false) as number[];
    const promptIds = this.withBos(plain);
    return {
      promptIds,
      targetIds: this.model.tokenize(target, false) as number[],
      bos: promptIds.length - plain.length,
    };
  }

  async detokenize(ids: number[]): Promise<string> {
    return this.model.detokenize(ids as Token[], false);
  }

  async tokenSpans(text: string): Promise<TokenSpan[]> {
    return alignTokens(text, this.model.tokenize(text, false) as number[], (ids) => this.detokenize(ids));
  }

  scoreBatch(prompts: string[], target: string, signal?: AbortSignal): Promise<number[]> {
    return this.exclusive(async () => {
      const targetIds = this.model.tokenize(target, false) as number[];
      if (targetIds.length === 0)
        throw invalidRequest("target: must not be empty; send the continuation to score.", "target");
      const out: number[] = [];
      for (const prompt of prompts) {
        signal?.throwIfAborted();
        const promptIds = this.withBos(this.model.tokenize(prompt, false) as number[]);
        if (promptIds.length === 0)
          throw invalidRequest("an empty prompt cannot be scored by a model without a BOS token.", "prompt");
        out.push(await this.scoreIds(promptIds, targetIds));
      }
      return out;
    });
  }

  private async scoreIds(promptIds: number[], targetIds: number[]): Promise<number> {
    const all = [...promptIds, ...targetIds];
    const P = promptIds.length;
    if (all.length > this.context.contextSize)
      throw new LlmopsError(
        "context_length_exceeded",
        `The prompt and target have ${all.length} tokens; the model's context is ${this.context.contextSize}; shorten them.`,
        { param: "prompt" },
      );
    // Keep the cached prefix, but re-evaluate from the last prompt token on: its output predicts the target.
    const keep = Math.min(commonPrefix(this.cached, all), P - 1);
    if (this.sequence.nextTokenIndex > keep) {
      await this.sequence.eraseContextTokenRanges([{ start: keep, end: this.sequence.nextTokenIndex }]);
    }
    this.cached = all.slice(0, keep);
    const input = all.slice(keep).map((t, j) => {
      const pos = keep + j;
      return pos >= P - 1 && pos < all.length - 1
        ? ([t as Token, { generateNext: { probabilities: true } }] as [
            Token,
            { generateNext: { probabilities: true } },
          ])
        : (t as Token);
    });
    let results: Awaited<ReturnType<LlamaContextSequence["controlledEvaluate"]>>;
    try {
      results = await this.sequence.controlledEvaluate(input);
    } catch (error) {
      // The cache is in an unknown state: start from scratch next time.
      this.cached = [];
      await this.sequence.clearHistory().catch(() => undefined);
      throw error;
    }
    this.cached = all;
    this.evaluatedTokens += input.length;
    let sum = 0;
    for (let pos = P - 1; pos < all.length - 1; pos++) {
      const probabilities = results[pos - keep]?.next.probabilities;
      if (!probabilities)
        throw new LlmopsError("internal", "llama.cpp returned no probabilities for a target position");
      sum += logprobTable(probabilities, 0).logprob(all[pos + 1] as number);
    }
    return sum;
  }

  greedy(prompt: string, maxTokens: number, signal?: AbortSignal): Promise<string> {
    return this.exclusive(async () => {
      const ids = this.withBos(this.model.tokenize(prompt, false) as number[]);
      if (ids.length === 0) throw invalidRequest("prompt: must not be empty.", "prompt");
      const room = this.context.contextSize - ids.length;
      if (room <= 0)
        throw new LlmopsError(
          "context_length_exceeded",
          `The prompt has ${ids.length} tokens; the model's context is ${this.context.contextSize}.`,
          {
            param: "prompt",
          },
        );
      this.cached = [];
      await this.sequence.clearHistory();
      const generated: number[] = [];
      try {
        for await (const token of this.sequence.evaluate(ids as Token[], { temperature: 0 })) {
          signal?.throwIfAborted();
          if (this.model.isEogToken(token)) break;
          generated.push(token);
          if (generated.length >= Math.min(maxTokens, room)) break;
        }
      } finally {
        await this.sequence.clearHistory().catch(() => undefined);
      }
      return this.model.detokenize(generated as Token[], false);
    });
  }

  async close(): Promise<void> {
    await this.exclusive(async () => {
      await this.context.dispose();
      await this.model.dispose();
    });
  }
}
