// The GradientModel for one prompt and target: embeddings of [prompt tokens (BOS first) | target
// tokens], where the prompt tokens after BOS are scaled by α (α = 0 is the all-zero baseline;
// BOS and the target keep their embeddings, so only the prompt is explained). Batches of α values
// run together (chunks of 16 sequences).
import type { GradientModel } from "../types.js";
import type { ForwardInput, LlamaForward } from "./forward.js";

// Fixed batch size: the compiled forward is reused for every chunk (a new shape recompiles).
const CHUNK = 8;

export interface GradientTokens {
  promptIds: number[];
  targetIds: number[];
  /** Feature of each prompt token, −1 for BOS. */
  tokenFeature: number[];
  /** Leading BOS tokens in promptIds. */
  bos: number;
}

export function createGradientModel(
  forward: LlamaForward,
  tokens: GradientTokens,
  tokenText: (id: number) => Promise<string> = async (id) => `#${id}`,
): GradientModel {
  const { promptIds, targetIds, bos } = tokens;
  const P = promptIds.length;
  const T = targetIds.length;
  const L = P + T;
  const D = forward.config.dim;
  const ids = [...promptIds, ...targetIds];
  const predicts = ids.map((_, i) => (i >= P - 1 && i < L - 1 ? (ids[i + 1] as number) : -1));
  const base = new Float32Array(L * D);
  ids.forEach((id, t) => {
    base.set(forward.embedding(id), t * D);
  });
  const scaled = (t: number) => t >= bos && t < P;

  const input = (alphas: readonly number[]): ForwardInput => {
    const embeddings = new Float32Array(alphas.length * L * D);
    alphas.forEach((a, k) => {
      const off = k * L * D;
      embeddings.set(base, off);
      if (a !== 1)
        for (let t = bos; t < P; t++)
          for (let d = 0; d < D; d++) embeddings[off + t * D + d] = a * (base[t * D + d] as number);
    });
    return { embeddings, batch: alphas.length, length: L, predicts };
  };

  /** Chunks of CHUNK alphas, the last padded by repeating its final alpha (results dropped). */
  const chunks = (alphas: readonly number[]): Array<{ alphas: number[]; used: number }> => {
    const out: Array<{ alphas: number[]; used: number }> = [];
    // A request smaller than a chunk (gradient × input, attention) runs at its own size.
    const size = Math.min(CHUNK, alphas.length);
    for (let i = 0; i < alphas.length; i += size) {
      const c = alphas.slice(i, i + size);
      const used = c.length;
      while (c.length < size) c.push(c[c.length - 1] as number);
      out.push({ alphas: c, used });
    }
    return out;
  };

  return {
    promptIds,
    targetIds,
    tokenFeature: tokens.tokenFeature,
    async logprob(alphas) {
      const out: number[] = [];
      for (const c of chunks(alphas)) out.push(...(await forward.value(input(c.alphas))).slice(0, c.used));
      return out;
    },
    async gradDotInput(alphas) {
      const values: number[] = [];
      const perToken: number[][] = [];
      for (const c of chunks(alphas)) {
        const r = await forward.valueAndGrad(input(c.alphas));
        values.push(...r.values.slice(0, c.used));
        for (let k = 0; k < c.used; k++) {
          const row = new Array<number>(P).fill(0);
          for (let t = 0; t < P; t++) {
            if (!scaled(t)) continue;
            let s = 0;
            const off = (k * L + t) * D;
            for (let d = 0; d < D; d++) s += (r.grad[off + d] as number) * (base[t * D + d] as number);
            row[t] = s;
          }
          perToken.push(row);
        }
      }
      return { values, perToken };
    },
    attention: () => forward.attention(input([1])),
    tokenTexts: () => Promise.all(ids.map(tokenText)),
  };
}
