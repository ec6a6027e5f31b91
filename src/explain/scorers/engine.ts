// LogProbScorer on an in-process Engine (llama.cpp): the fastest path — no HTTP, exact token
// boundaries (scoreContinuations joins token ids), the tokenizer at hand for token features.
import { invalidRequest } from "../../errors.js";
import type { Engine } from "../../serve/engine.js";
import { scoreContinuations } from "../../serve/score.js";
import type { LogProbScorer, TokenSpan } from "../types.js";

export class EngineScorer implements LogProbScorer {
  constructor(
    readonly engine: Engine,
    readonly id: string,
    private readonly owned = false,
  ) {}

  async scoreBatch(prompts: string[], target: string, signal?: AbortSignal): Promise<number[]> {
    return (await scoreContinuations(this.engine, prompts, target, signal)).map((s) => s.logprob);
  }

  /** Token ids as the scorer sees them: prompt with BOS (when the model wants it), target without. */
  async encode(prompt: string, target: string): Promise<{ promptIds: number[]; targetIds: number[]; bos: number }> {
    const promptIds = await this.engine.tokenize(prompt, { addSpecial: true });
    const plain = await this.engine.tokenize(prompt);
    const targetIds = await this.engine.tokenize(target);
    return { promptIds, targetIds, bos: promptIds.length - plain.length };
  }

  detokenize(ids: number[]): Promise<string> {
    return this.engine.detokenize(ids);
  }

  async tokenSpans(text: string): Promise<TokenSpan[]> {
    return alignTokens(text, await this.engine.tokenize(text), (ids) => this.engine.detokenize(ids));
  }

  async greedy(prompt: string, maxTokens: number, signal?: AbortSignal): Promise<string> {
    let text = "";
    for await (const event of this.engine.complete({ prompt, maxTokens, temperature: 0 }, signal)) {
      if (event.type === "delta") text += event.text;
    }
    return text;
  }

  async close(): Promise<void> {
    if (this.owned) await this.engine.close();
  }
}

/**
 * Spans of tokens in `text`: tokens are decoded in runs until the run decodes to the next characters
 * of the text (a Chinese character in byte-fallback pieces takes 3 tokens), and every token of a run
 * gets the run's span.
 */
export async function alignTokens(
  text: string,
  ids: readonly number[],
  decode: (ids: number[]) => Promise<string>,
): Promise<TokenSpan[]> {
  const spans: TokenSpan[] = [];
  let pos = 0;
  let run: number[] = [];
  for (const id of ids) {
    run.push(id);
    const piece = await decode(run);
    const partial = piece.endsWith("\uFFFD") && !text.startsWith(piece, pos);
    if (partial && run.length < 4) continue;
    if (!text.startsWith(piece, pos))
      throw invalidRequest(
        "the model's tokenizer does not give the prompt back exactly when decoding (a normalising tokenizer); use group 'word' or 'sentence'.",
        "group",
      );
    for (const t of run) spans.push({ start: pos, end: pos + piece.length, id: t });
    pos += piece.length;
    run = [];
  }
  for (const t of run) spans.push({ start: pos, end: text.length, id: t });
  return spans;
}
