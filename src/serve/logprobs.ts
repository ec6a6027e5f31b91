// Log-probabilities from a sampler's probability list.
//
// llama.cpp reports probabilities after its sampler chain has run. At temperature 0 that is the
// model's own softmax. At temperature T > 0 it is softmax(logit / T) over the tokens top-p/top-k
// kept; since log p' = logit / T − c, T·log p' recovers the logits up to a constant, and a
// log-softmax over them gives the model's log-probabilities again — exactly, when nothing was cut
// (top_p 1, no top_k; checked against temperature 0 to ~1e-6), renormalised over the kept tokens
// otherwise. OpenAI (and vLLM by default) report the model's distribution, not the sampling one.

/** What JSON can carry for "impossible": OpenAI uses -9999 where the true value is −∞. */
export const MIN_LOGPROB = -9999;

export interface LogprobTable {
  /** Token id → log-probability, for every token in the list. */
  logprob(token: number): number;
  /** The `n` most likely tokens, most likely first (ties keep the sampler's order). */
  top(n: number): Array<{ id: number; logprob: number }>;
}

/**
 * @param probabilities token → probability, sorted most likely first (node-llama-cpp's Map order)
 * @param temperature the temperature the sampler used (0 = greedy: probabilities are the model's)
 */
export function logprobTable(probabilities: ReadonlyMap<number, number>, temperature: number): LogprobTable {
  const ids: number[] = [];
  const scores: number[] = [];
  for (const [id, p] of probabilities) {
    ids.push(id);
    scores.push(temperature > 0 ? temperature * Math.log(p) : Math.log(p));
  }
  let max = Number.NEGATIVE_INFINITY;
  for (const s of scores) if (s > max) max = s;
  let sum = 0;
  for (const s of scores) if (Number.isFinite(s)) sum += Math.exp(s - max);
  const logZ = Number.isFinite(max) ? max + Math.log(sum) : 0;
  const byId = new Map<number, number>();
  ids.forEach((id, i) => {
    byId.set(id, clamp((scores[i] as number) - logZ));
  });
  // The list arrives sorted by probability and T·log p is monotonic, so its order is usually ours.
  let sorted = true;
  for (let i = 1; i < scores.length && sorted; i++) sorted = (scores[i - 1] as number) >= (scores[i] as number);
  if (!sorted) {
    const order = ids.map((_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
    const reordered = order.map((i) => ids[i] as number);
    reordered.forEach((id, i) => {
      ids[i] = id;
    });
  }
  return {
    logprob: (token) => byId.get(token) ?? MIN_LOGPROB,
    top: (n) => ids.slice(0, Math.max(0, n)).map((id) => ({ id, logprob: byId.get(id) as number })),
  };
}

function clamp(x: number): number {
  return Number.isFinite(x) ? Math.max(MIN_LOGPROB, x) : MIN_LOGPROB;
}
