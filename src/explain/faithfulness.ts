// Faithfulness of an explanation: does deleting what it ranks highest actually hurt the target, and
// does inserting it first actually help? (Samek et al. 2017 "AOPC"; Petsiuk et al. 2018 deletion /
// insertion.) Features are ranked by score, highest first;
//   deletion:  start from the full prompt, delete the top-k features, k = 0 … n;
//              AOPC_del = mean_k [f(full) − f(without top k)]      (higher = more faithful)
//   insertion: start from the empty prompt, insert the top-k features, k = 0 … n;
//              AOPC_ins = mean_k [f(only top k) − f(empty)]        (higher = more faithful)
// in nats of the target's log-probability. Long prompts move in `steps` equal chunks instead of one
// feature at a time. The same numbers for random rankings (seeded) are the yardstick: an explanation
// is only worth reading where it beats them.

import { randomScores } from "./attributors/random.js";
import { emptyMask, fullMask } from "./features.js";
import type { CoalitionValues, Mask } from "./types.js";

export const DEFAULT_CURVE_STEPS = 20;

export interface Curve {
  /** Features moved after each step (0 … n). */
  k: number[];
  /** log p(target) after each step. */
  logprob: number[];
  aopc: number;
}

export interface Faithfulness {
  deletion: Curve;
  insertion: Curve;
  /** Mean AOPC of `orders` random rankings, for comparison (absent when the budget left no room). */
  random?: { orders: number; deletionAopc: number; insertionAopc: number };
  steps: number;
}

/** Feature indices, highest score first (ties: earlier feature first). */
export function ranking(scores: readonly number[]): number[] {
  return scores
    .map((s, i) => ({ s: Number.isFinite(s) ? s : Number.NEGATIVE_INFINITY, i }))
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .map((x) => x.i);
}

export function stepSizes(n: number, steps: number): number[] {
  const s = Math.max(1, Math.min(n, steps));
  const ks = [0];
  for (let j = 1; j <= s; j++) ks.push(Math.round((j * n) / s));
  return [...new Set(ks)];
}

/** Evaluations one curve pair costs (both curves share the full and empty prompts). */
export function curveCalls(n: number, steps = DEFAULT_CURVE_STEPS): number {
  return 2 * stepSizes(n, steps).length - 2;
}

function curveMasks(order: readonly number[], n: number, ks: readonly number[]): { del: Mask[]; ins: Mask[] } {
  const del: Mask[] = [];
  const ins: Mask[] = [];
  for (const k of ks) {
    const d = fullMask(n);
    const a = emptyMask(n);
    for (let j = 0; j < k; j++) {
      d[order[j] as number] = 0;
      a[order[j] as number] = 1;
    }
    del.push(d);
    ins.push(a);
  }
  return { del, ins };
}

async function curvePair(
  coalitions: CoalitionValues,
  scores: readonly number[],
  ks: readonly number[],
): Promise<{ deletion: Curve; insertion: Curve }> {
  const n = scores.length;
  const { del, ins } = curveMasks(ranking(scores), n, ks);
  const values = await coalitions.values([...del, ...ins]);
  const dv = values.slice(0, del.length);
  const iv = values.slice(del.length);
  const full = dv[0] as number;
  const empty = iv[0] as number;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    deletion: { k: [...ks], logprob: dv, aopc: mean(dv.map((v) => full - v)) },
    insertion: { k: [...ks], logprob: iv, aopc: mean(iv.map((v) => v - empty)) },
  };
}

export async function faithfulness(
  coalitions: CoalitionValues,
  scores: readonly number[],
  options: { steps?: number; randomOrders?: number; seed?: number } = {},
): Promise<Faithfulness> {
  const n = scores.length;
  const steps = options.steps ?? DEFAULT_CURVE_STEPS;
  const ks = stepSizes(n, steps);
  const main = await curvePair(coalitions, scores, ks);
  const out: Faithfulness = { ...main, steps: ks.length - 1 };
  const orders = options.randomOrders ?? 0;
  let del = 0;
  let ins = 0;
  let done = 0;
  for (let r = 0; r < orders; r++) {
    if (coalitions.remaining() < curveCalls(n, steps)) break;
    const pair = await curvePair(coalitions, randomScores(n, (options.seed ?? 0) * 7919 + 1000 + r), ks);
    del += pair.deletion.aopc;
    ins += pair.insertion.aopc;
    done++;
  }
  if (done > 0) out.random = { orders: done, deletionAopc: del / done, insertionAopc: ins / done };
  return out;
}
