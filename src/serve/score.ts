// Scoring a continuation: log p(target | prompt) for many prompts and one target, summed over the
// target's tokens. Explanations perturb a prompt hundreds of times and ask exactly this, so the
// worker offers it as one batched call (POST /v1/score) instead of one echo request per prompt, and
// in-process callers use scoreContinuations() directly.
//
// The prompt (with BOS when the model wants it) and the target are tokenized separately and joined
// as token ids, so every prompt is scored on identical target tokens — with echo on a joined text
// the boundary token could merge differently for every perturbation.
//
//   POST /v1/score {"model": "tiny", "prompts": ["…", "…"], "target": "…"}
//   → {"object": "list", "model": "tiny", "data": [{"index": 0, "logprob": -3.2, "prompt_tokens": 9, "target_tokens": 4}, …]}
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { invalidRequest, LlmopsError } from "../errors.js";
import type { Engine } from "./engine.js";
import { parseBody } from "./openai-schemas.js";

export const MAX_SCORE_PROMPTS = 256;

export interface ContinuationScore {
  logprob: number;
  promptTokens: number;
  targetTokens: number;
}

export async function scoreContinuations(
  engine: Engine,
  prompts: readonly string[],
  target: string,
  signal?: AbortSignal,
): Promise<ContinuationScore[]> {
  if (!engine.score) throw invalidRequest("This engine cannot score prompts (no log-probabilities).");
  const targetIds = await engine.tokenize(target);
  if (targetIds.length === 0)
    throw invalidRequest("target: must not be empty; send the continuation to score.", "target");
  const out: ContinuationScore[] = [];
  for (const prompt of prompts) {
    signal?.throwIfAborted();
    const promptIds = await engine.tokenize(prompt, { addSpecial: true });
    if (promptIds.length === 0)
      throw invalidRequest("prompts: an empty prompt cannot be scored by a model without a BOS token.", "prompts");
    const context = engine.info.contextLength;
    if (promptIds.length + targetIds.length > context)
      throw new LlmopsError(
        "context_length_exceeded",
        `A prompt and the target have ${promptIds.length + targetIds.length} tokens; the model's context is ${context}; shorten them.`,
        { param: "prompts" },
      );
    const scored = await engine.score([...promptIds, ...targetIds], signal ? { signal } : {});
    let sum = 0;
    for (let i = promptIds.length; i < scored.tokens.length; i++) sum += scored.tokens[i]?.logprob ?? 0;
    out.push({ logprob: sum, promptTokens: promptIds.length, targetTokens: targetIds.length });
  }
  return out;
}

const scoreRequestSchema = z.object({
  model: z.string({ error: "must be a string naming the model" }).min(1, "must not be empty"),
  prompts: z
    .array(z.string({ error: "must contain only strings" }), { error: "must be an array of strings" })
    .min(1, "must contain at least one prompt")
    .max(MAX_SCORE_PROMPTS, `may contain at most ${MAX_SCORE_PROMPTS} prompts; send several requests`),
  target: z.string({ error: "must be a string" }).min(1, "must not be empty"),
});

export function registerScoreRoute(app: FastifyInstance, engine: Engine, checkModel: (name: string) => void): void {
  app.post("/v1/score", async (request, reply) => {
    const body = parseBody(scoreRequestSchema, request.body);
    checkModel(body.model);
    const controller = new AbortController();
    reply.raw.on("close", () => {
      if (!reply.raw.writableFinished) controller.abort();
    });
    const scores = await scoreContinuations(engine, body.prompts, body.target, controller.signal);
    return {
      object: "list" as const,
      model: body.model,
      data: scores.map((s, index) => ({
        index,
        logprob: s.logprob,
        prompt_tokens: s.promptTokens,
        target_tokens: s.targetTokens,
      })),
    };
  });
}
