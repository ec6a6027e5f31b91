// LogProbScorer on an llmops worker: batches go to POST /v1/score (one request per batch, exact
// target tokens); token spans and greedy targets use the standard OpenAI endpoints.
import { LlmopsError } from "../../errors.js";
import { MAX_SCORE_PROMPTS } from "../../serve/score.js";
import { mapLimit, OpenAiScorer } from "./openai.js";

export class WorkerScorer extends OpenAiScorer {
  override async scoreBatch(prompts: string[], target: string, signal?: AbortSignal): Promise<number[]> {
    const chunks: string[][] = [];
    for (let i = 0; i < prompts.length; i += MAX_SCORE_PROMPTS) chunks.push(prompts.slice(i, i + MAX_SCORE_PROMPTS));
    const results = await mapLimit(chunks, this.options.concurrency ?? 1, async (chunk) => {
      const json = (await this.post("/score", { model: this.options.model, prompts: chunk, target }, signal)) as {
        data?: Array<{ index: number; logprob: number }>;
      } | null;
      const data = json?.data;
      if (!Array.isArray(data) || data.length !== chunk.length)
        throw new LlmopsError("unavailable", `${this.id} returned a malformed /v1/score answer.`);
      return data.map((d) => d.logprob);
    });
    return results.flat();
  }
}
