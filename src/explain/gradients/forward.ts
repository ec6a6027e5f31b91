// Our own llama forward pass on @jax-js/jax, from input EMBEDDINGS (not token ids), so gradients
// with respect to the embeddings exist — integrated gradients and gradient × input need them — and
// with the attention probabilities of every layer and head kept for the attention maps.
//
// Why not the trainer's forward: src/train/jax-backend.ts keeps it inside createJaxBackend (a
// closure over fixed seqLen, one-hot token input) and exports no helper for it; src/train belongs to
// the training work, so this is a separate, equivalent implementation of the same architecture
// (RMSNorm, RoPE with llama.cpp's adjacent pairing, grouped-query attention, SwiGLU), reusing the
// trainer's RoPE tables (ropeTables) and jax loader (loadJax). A test checks its log-probabilities
// against llama.cpp's on the same GGUF.
//
// jax-js ownership: every op consumes its array arguments; a value used twice is passed as `x.ref`.
import type { Array as JArray } from "@jax-js/jax";
import { loadJax, ropeTables } from "../../train/jax-backend.js";
import { headDim, type ModelConfig, type Params } from "../../train/model.js";

type Jax = typeof import("@jax-js/jax");
type Tree = Record<string, JArray>;

interface Consts {
  cos: JArray;
  sin: JArray;
  R: JArray;
  mask: JArray;
  /** One-hot of the token each position must predict, zero rows where nothing is scored: [L, V]. */
  select: JArray;
}

export interface ForwardInput {
  /** Embeddings, [batch, L, dim] row-major. */
  embeddings: Float32Array;
  batch: number;
  length: number;
  /** Token that position i predicts (i + 1's token), or -1 where nothing is scored. */
  predicts: readonly number[];
}

export class LlamaForward {
  // Compiled once per input shape (batch × length): explanations pad their batches to one size.
  private readonly valueJit: (x: JArray, p: Tree, c: Consts) => JArray;
  private readonly gradJit: (x: JArray, p: Tree, c: Consts) => JArray;

  private constructor(
    private readonly jax: Jax,
    readonly config: ModelConfig,
    private readonly params: Tree,
    readonly embeddingTable: Float32Array,
  ) {
    const f = (x: JArray, p: Tree, c: Consts): JArray => this.logprobs(x, p, c);
    this.valueJit = jax.jit(f) as unknown as typeof f;
    this.gradJit = jax.jit(
      jax.grad((x: JArray, p: Tree, c: Consts): JArray => this.logprobs(x, p, c).sum()),
    ) as unknown as typeof f;
  }

  static async create(config: ModelConfig, params: Params): Promise<LlamaForward> {
    const jax = await loadJax();
    const tree: Tree = {};
    for (const [k, v] of Object.entries(params)) tree[k] = jax.numpy.array(v.data).reshape(v.shape);
    const emb = params.tok_emb;
    if (!emb) throw new Error("weights lack tok_emb");
    return new LlamaForward(jax, config, tree, emb.data);
  }

  /** Embedding of token `id` (a view into the table). */
  embedding(id: number): Float32Array {
    const D = this.config.dim;
    return this.embeddingTable.subarray(id * D, (id + 1) * D);
  }

  private consts(input: ForwardInput): Consts {
    const np = this.jax.numpy;
    const L = input.length;
    const HD = headDim(this.config);
    const rt = ropeTables({ ...this.config, seqLen: L });
    const V = this.config.vocabSize;
    const select = new Float32Array(L * V);
    input.predicts.forEach((t, i) => {
      if (t >= 0) select[i * V + t] = 1;
    });
    return {
      cos: np.array(rt.cos).reshape([1, L, 1, HD]),
      sin: np.array(rt.sin).reshape([1, L, 1, HD]),
      R: np.array(rt.R).reshape([HD, HD]),
      mask: np.array(rt.mask).reshape([L, L]),
      select: np.array(select).reshape([1, L, V]),
    };
  }

  /**
   * Sum of the scored log-probabilities per batch row, from embeddings x [b, L, D]. Consumes x, p, c.
   * `attn` collects each layer's attention probabilities [b, H, L, L] when given.
   */
  private logprobs(x: JArray, p: Tree, c: Consts, attn?: JArray[]): JArray {
    const { numpy: np, nn } = this.jax;
    const b = x.shape[0] as number;
    const L = x.shape[1] as number;
    const m = this.config;
    const { dim: D, heads: H, kvHeads: KV, layers: NL, vocabSize: V } = m;
    const HD = headDim(m);
    const G = H / KV;
    const rmsnorm = (h: JArray, w: JArray): JArray => {
      const ms = np.square(h.ref).mean(-1, { keepdims: true });
      return h.div(np.sqrt(ms.add(m.normEps))).mul(w);
    };
    const rope = (q: JArray, nh: number): JArray => {
      const qr = np.matmul(q.ref.reshape([b * L * nh, HD]), c.R.ref).reshape([b, L, nh, HD]);
      return q.mul(c.cos.ref).add(qr.mul(c.sin.ref));
    };
    const expandKv = (t: JArray): JArray =>
      G === 1 ? t : np.broadcastTo(t.reshape([b, L, KV, 1, HD]), [b, L, KV, G, HD]).reshape([b, L, H, HD]);
    let h = x;
    for (let l = 0; l < NL; l++) {
      const w = (n: string): JArray => (p[`l${l}.${n}`] as JArray).ref;
      const xn = rmsnorm(h.ref, w("attn_norm")).reshape([b * L, D]);
      const q = rope(np.matmul(xn.ref, w("wq")).reshape([b, L, H, HD]), H).transpose([0, 2, 1, 3]);
      const k = expandKv(rope(np.matmul(xn.ref, w("wk")).reshape([b, L, KV, HD]), KV)).transpose([0, 2, 3, 1]);
      const v = expandKv(np.matmul(xn, w("wv")).reshape([b, L, KV, HD])).transpose([0, 2, 1, 3]);
      const s = np
        .matmul(q, k)
        .mul(1 / Math.sqrt(HD))
        .add(c.mask.ref);
      const probs = nn.softmax(s, -1);
      if (attn) attn.push(probs.ref);
      const att = np
        .matmul(probs, v)
        .transpose([0, 2, 1, 3])
        .reshape([b * L, D]);
      h = h.add(np.matmul(att, w("wo")).reshape([b, L, D]));
      const xm = rmsnorm(h.ref, w("ffn_norm")).reshape([b * L, D]);
      const gate = np.matmul(xm.ref, w("w1"));
      const up = np.matmul(xm, w("w3"));
      h = h.add(np.matmul(nn.silu(gate).mul(up), w("w2")).reshape([b, L, D]));
    }
    const hn = rmsnorm(h, (p.norm as JArray).ref).reshape([b * L, D]);
    const logits = np.matmul(hn, (p.head as JArray).ref).reshape([b, L, V]);
    const out = nn.logSoftmax(logits, -1).mul(c.select.ref).sum([1, 2]);
    this.jax.tree.dispose(c as unknown as Tree);
    this.jax.tree.dispose(p);
    return out;
  }

  /** Per batch row: Σ log p(predicted tokens). */
  async value(input: ForwardInput): Promise<number[]> {
    const np = this.jax.numpy;
    const x = np.array(input.embeddings).reshape([input.batch, input.length, this.config.dim]);
    const out = this.valueJit(x, this.jax.tree.ref(this.params), this.consts(input));
    return Array.from((await out.data()) as Float32Array);
  }

  /** Per batch row value, and the gradient of the summed value w.r.t. the embeddings [b, L, D]. */
  async valueAndGrad(input: ForwardInput): Promise<{ values: number[]; grad: Float32Array }> {
    const np = this.jax.numpy;
    const x = np.array(input.embeddings).reshape([input.batch, input.length, this.config.dim]);
    const g = this.gradJit(x, this.jax.tree.ref(this.params), this.consts(input)) as JArray;
    const gradData = Float32Array.from((await g.data()) as Float32Array);
    return { values: await this.value(input), grad: gradData };
  }

  /** Attention probabilities [layer][head][query][key] for one sequence. */
  async attention(input: ForwardInput): Promise<number[][][][]> {
    const np = this.jax.numpy;
    const L = input.length;
    const x = np.array(input.embeddings).reshape([1, L, this.config.dim]);
    const maps: JArray[] = [];
    const out = this.logprobs(x, this.jax.tree.ref(this.params), this.consts(input), maps);
    out.dispose();
    const H = this.config.heads;
    const result: number[][][][] = [];
    for (const a of maps) {
      const data = (await a.data()) as Float32Array;
      const layer: number[][][] = [];
      for (let h = 0; h < H; h++) {
        const rows: number[][] = [];
        for (let q = 0; q < L; q++) rows.push(Array.from(data.subarray((h * L + q) * L, (h * L + q + 1) * L)));
        layer.push(rows);
      }
      result.push(layer);
    }
    return result;
  }

  dispose(): void {
    (this.valueJit as unknown as { dispose(): void }).dispose();
    (this.gradJit as unknown as { dispose(): void }).dispose();
    this.jax.tree.dispose(this.params);
  }
}
