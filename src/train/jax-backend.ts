// TrainingBackend on @jax-js/jax 0.1.25 (WebAssembly backend, jit-compiled step).
//
// Why jax-js rather than tfjs-wasm: on this class of machine (2 shared cores) the reference
// experiments (../shared/reference/training) measured both at ≈1.5k tokens/s for a 0.87M-param
// model (batch 16×128, ≈1.36 s/step), but tfjs-wasm only got there with a hand-written matmul
// gradient (its built-in one falls to a ~1–2 GFLOP/s path for transposed operands), its ESM
// build needs a custom Node resolve hook, and tfjs-node cannot install offline. jax-js gives
// whole-step jit (forward + backward + AdamW fused into one compiled program), functional
// gradients (valueAndGrad) and is a single dependency with no native build. Cost: its
// ownership rule — every op CONSUMES its array arguments, so any value used twice is passed
// as `x.ref` — and two Node-20 gaps we avoid: we write attention by hand (einsum/SDPA need
// Iterator helpers) and take embeddings as a one-hot matmul (np.take's gradient fails in jit).
//
// Determinism: single-threaded wasm with fixed reduction order, seeded init and a seeded data
// stream give bit-identical loss curves on a rerun (test/train-backend.test.ts).
import type { Array as JArray } from "@jax-js/jax";
import type { BackendOptions, Batch, EvalResult, OptimizerState, StepResult, TrainingBackend } from "./backend.js";
import { headDim, lrAt, type ModelConfig, type OptimConfig, type Params, validateModelConfig } from "./model.js";

type Jax = typeof import("@jax-js/jax");
type Tree = Record<string, JArray>;

let jaxReady: Promise<Jax> | undefined;
/** Loads jax-js once and selects the wasm device (bare `init()` throws on Node: no navigator). */
export function loadJax(): Promise<Jax> {
  jaxReady ??= (async () => {
    const jax = await import("@jax-js/jax");
    await jax.init("wasm");
    jax.defaultDevice("wasm");
    return jax;
  })();
  return jaxReady;
}

interface Consts {
  cos: JArray;
  sin: JArray;
  R: JArray;
  mask: JArray;
}

/** RoPE tables in llama.cpp's "normal" pairing: rotate ADJACENT dims (x[2i], x[2i+1]). */
export function ropeTables(m: ModelConfig): {
  cos: Float32Array;
  sin: Float32Array;
  R: Float32Array;
  mask: Float32Array;
} {
  const L = m.seqLen;
  const HD = headDim(m);
  const cos = new Float32Array(L * HD);
  const sin = new Float32Array(L * HD);
  const R = new Float32Array(HD * HD);
  for (let p = 0; p < L; p++) {
    for (let i = 0; i < HD / 2; i++) {
      const f = p / m.ropeTheta ** ((2 * i) / HD);
      cos[p * HD + 2 * i] = Math.cos(f);
      cos[p * HD + 2 * i + 1] = Math.cos(f);
      sin[p * HD + 2 * i] = Math.sin(f);
      sin[p * HD + 2 * i + 1] = Math.sin(f);
    }
  }
  // rot(x) = x @ R: rot(x)[2i] = -x[2i+1], rot(x)[2i+1] = x[2i]
  for (let i = 0; i < HD / 2; i++) {
    R[(2 * i + 1) * HD + 2 * i] = -1;
    R[2 * i * HD + 2 * i + 1] = 1;
  }
  const mask = new Float32Array(L * L);
  for (let i = 0; i < L; i++) for (let j = i + 1; j < L; j++) mask[i * L + j] = -1e9;
  return { cos, sin, R, mask };
}

function checkBatch(m: ModelConfig, b: Batch): void {
  const n = b.batch * m.seqLen;
  if (!Number.isInteger(b.batch) || b.batch < 1 || b.x.length !== n || b.y.length !== n)
    throw new RangeError(`batch must hold ${b.batch}×${m.seqLen} tokens in x and y`);
}

export async function createJaxBackend(opts: BackendOptions): Promise<TrainingBackend> {
  const jax = await loadJax();
  const { numpy: np, nn, tree, jit, valueAndGrad } = jax;
  const m = opts.model;
  const o: OptimConfig = opts.optim;
  validateModelConfig(m);
  const { vocabSize: V, dim: D, layers: NL, heads: H, kvHeads: KV, seqLen: L } = m;
  const HD = headDim(m);
  const G = H / KV;
  const keys = Object.keys(opts.params);
  const decay = new Set(keys.filter((k) => opts.params[k]?.decay));
  const shapes = new Map(keys.map((k) => [k, opts.params[k]?.shape ?? []]));

  const toTree = (p: Params): Tree => {
    const t: Tree = {};
    for (const k of keys) {
      const src = p[k];
      if (!src) throw new Error(`parameter ${k} is missing`);
      t[k] = np.array(src.data).reshape(src.shape);
    }
    return t;
  };
  let params = toTree(opts.params);
  let mState: Tree;
  let vState: Tree;
  let stepCount = opts.optimizer?.step ?? 0;
  if (opts.optimizer) {
    mState = toTree(opts.optimizer.m);
    vState = toTree(opts.optimizer.v);
  } else {
    mState = {};
    vState = {};
    for (const k of keys) {
      const shape = shapes.get(k) ?? [];
      mState[k] = np.zeros(shape);
      vState[k] = np.zeros(shape);
    }
  }
  const rt = ropeTables(m);
  const consts: Consts = {
    cos: np.array(rt.cos).reshape([1, L, 1, HD]),
    sin: np.array(rt.sin).reshape([1, L, 1, HD]),
    R: np.array(rt.R).reshape([HD, HD]),
    mask: np.array(rt.mask).reshape([L, L]),
  };
  const cref = (): Consts => tree.ref(consts) as Consts;

  const rmsnorm = (x: JArray, w: JArray): JArray => {
    const ms = np.square(x.ref).mean(-1, { keepdims: true });
    return x.div(np.sqrt(ms.add(m.normEps))).mul(w);
  };
  const rope = (q: JArray, c: Consts, b: number, nh: number): JArray => {
    const qr = np.matmul(q.ref.reshape([b * L * nh, HD]), c.R.ref).reshape([b, L, nh, HD]);
    return q.mul(c.cos.ref).add(qr.mul(c.sin.ref));
  };
  // Grouped-query: kv head j serves query heads j·G … j·G+G-1 (llama.cpp's grouping).
  const expandKv = (t: JArray, b: number): JArray =>
    G === 1 ? t : np.broadcastTo(t.reshape([b, L, KV, 1, HD]), [b, L, KV, G, HD]).reshape([b, L, H, HD]);

  // Consumes p and x; borrows c. x: int32 token ids [b·L]. Returns logits [b·L, V].
  const forward = (p: Tree, x: JArray, c: Consts, b: number): JArray => {
    const tok = p.tok_emb as JArray;
    let h = np.matmul(nn.oneHot(x, V).astype(np.float32), tok).reshape([b, L, D]);
    for (let l = 0; l < NL; l++) {
      const w = (n: string): JArray => p[`l${l}.${n}`] as JArray;
      const xn = rmsnorm(h.ref, w("attn_norm")).reshape([b * L, D]);
      const q = rope(np.matmul(xn.ref, w("wq")).reshape([b, L, H, HD]), c, b, H).transpose([0, 2, 1, 3]);
      const k = expandKv(rope(np.matmul(xn.ref, w("wk")).reshape([b, L, KV, HD]), c, b, KV), b).transpose([0, 2, 3, 1]);
      const v = expandKv(np.matmul(xn, w("wv")).reshape([b, L, KV, HD]), b).transpose([0, 2, 1, 3]);
      const s = np
        .matmul(q, k)
        .mul(1 / Math.sqrt(HD))
        .add(c.mask.ref);
      const att = np
        .matmul(nn.softmax(s, -1), v)
        .transpose([0, 2, 1, 3])
        .reshape([b * L, D]);
      h = h.add(np.matmul(att, w("wo")).reshape([b, L, D]));
      const xm = rmsnorm(h.ref, w("ffn_norm")).reshape([b * L, D]);
      const gate = np.matmul(xm.ref, w("w1"));
      const up = np.matmul(xm, w("w3"));
      h = h.add(np.matmul(nn.silu(gate).mul(up), w("w2")).reshape([b, L, D]));
    }
    const hn = rmsnorm(h, p.norm as JArray).reshape([b * L, D]);
    return np.matmul(hn, p.head as JArray);
  };

  const lossFn = (p: Tree, x: JArray, y: JArray, c: Consts): JArray => {
    const b = x.shape[0] as number;
    const logits = forward(p, x.reshape([b * L]), c, b);
    tree.dispose(c);
    return nn
      .logSoftmax(logits, -1)
      .mul(nn.oneHot(y.reshape([b * L]), V))
      .sum()
      .mul(-1 / (b * L));
  };

  interface Sched {
    lr: JArray;
    c1: JArray;
    c2: JArray;
  }
  const { beta1: b1, beta2: b2, eps, weightDecay: wd, clipNorm } = o;
  // AdamW with global-norm clipping; shared by the plain and the distillation step.
  const applyAdam = (p: Tree, mm: Tree, vv: Tree, g: Tree, sc: Sched): [Tree, Tree, Tree, JArray] => {
    let sq: JArray | undefined;
    for (const k of keys) {
      const s = np.square((g[k] as JArray).ref).sum();
      sq = sq ? sq.add(s) : s;
    }
    const gnorm = np.sqrt(sq as JArray);
    // Clip by global norm: scale = min(1, clip / (norm + 1e-6)).
    const scale = clipNorm > 0 ? np.minimum(1, np.array(clipNorm).div(gnorm.ref.add(1e-6))) : np.array(1);
    const nP: Tree = {};
    const nM: Tree = {};
    const nV: Tree = {};
    for (const k of keys) {
      const gk = (g[k] as JArray).mul(scale.ref);
      const mk = (mm[k] as JArray).mul(b1).add(gk.ref.mul(1 - b1));
      const vk = (vv[k] as JArray).mul(b2).add(gk.ref.mul(gk).mul(1 - b2));
      let upd = mk.ref.div(sc.c1.ref).div(np.sqrt(vk.ref.div(sc.c2.ref)).add(eps));
      if (decay.has(k) && wd > 0) upd = upd.add((p[k] as JArray).ref.mul(wd));
      nP[k] = (p[k] as JArray).sub(upd.mul(sc.lr.ref));
      nM[k] = mk;
      nV[k] = vk;
    }
    scale.dispose();
    tree.dispose(sc);
    return [nP, nM, nV, gnorm];
  };
  const stepFn = (
    p: Tree,
    mm: Tree,
    vv: Tree,
    x: JArray,
    y: JArray,
    c: Consts,
    sc: Sched,
  ): [Tree, Tree, Tree, JArray, JArray] => {
    const [loss, g] = valueAndGrad(lossFn)(tree.ref(p), x, y, c) as [JArray, Tree];
    const [nP, nM, nV, gnorm] = applyAdam(p, mm, vv, g, sc);
    return [nP, nM, nV, loss, gnorm];
  };
  // Distillation (Hinton et al.): α·CE(labels) + (1−α)·T²·CE(teacher's softmax(z/T), student's
  // log-softmax(s/T)); the latter equals T²·KL up to the teacher's entropy, a constant.
  const dAlpha = opts.distill?.alpha ?? 0.5;
  const dT = opts.distill?.temperature ?? 2;
  const distillLossFn = (p: Tree, x: JArray, y: JArray, soft: JArray, c: Consts): JArray => {
    const b = x.shape[0] as number;
    const logits = forward(p, x.reshape([b * L]), c, b);
    tree.dispose(c);
    const hard = nn
      .logSoftmax(logits.ref, -1)
      .mul(nn.oneHot(y.reshape([b * L]), V))
      .sum()
      .mul(-1 / (b * L));
    const softCe = nn
      .logSoftmax(logits.mul(1 / dT), -1)
      .mul(soft)
      .sum()
      .mul(-1 / (b * L));
    return hard.mul(dAlpha).add(softCe.mul((1 - dAlpha) * dT * dT));
  };
  const distillFn = (
    p: Tree,
    mm: Tree,
    vv: Tree,
    x: JArray,
    y: JArray,
    soft: JArray,
    c: Consts,
    sc: Sched,
  ): [Tree, Tree, Tree, JArray, JArray] => {
    const [loss, g] = valueAndGrad(distillLossFn)(tree.ref(p), x, y, soft, c) as [JArray, Tree];
    const [nP, nM, nV, gnorm] = applyAdam(p, mm, vv, g, sc);
    return [nP, nM, nV, loss, gnorm];
  };
  const distillStep = jit(distillFn);
  const trainStep = jit(stepFn);

  const evalFn = (p: Tree, x: JArray, y: JArray, c: Consts): [JArray, JArray] => {
    const b = x.shape[0] as number;
    const logits = forward(p, x.reshape([b * L]), c, b);
    tree.dispose(c);
    const yf = y.reshape([b * L]);
    const pred = np.argmax(logits.ref, -1);
    const correct = np.equal(pred, yf.ref).astype(np.float32).sum();
    const nll = nn.logSoftmax(logits, -1).mul(nn.oneHot(yf, V)).sum().mul(-1);
    return [nll, correct];
  };
  const evalStep = jit(evalFn);
  const logitsStep = jit((p: Tree, x: JArray, c: Consts): JArray => {
    const b = x.shape[0] as number;
    const out = forward(p, x.reshape([b * L]), c, b);
    tree.dispose(c);
    return out;
  });

  const ids = (a: Int32Array, b: number): JArray => np.array(a, { dtype: np.int32 }).reshape([b, L]);
  const readTree = async (t: Tree): Promise<Params> => {
    const out: Params = {};
    for (const k of keys) {
      const data = (await (t[k] as JArray).ref.data()) as Float32Array;
      out[k] = { shape: [...(shapes.get(k) ?? [])], data: Float32Array.from(data), decay: decay.has(k) };
    }
    return out;
  };
  let disposed = false;
  const alive = (): void => {
    if (disposed) throw new Error("training backend was disposed");
  };

  return {
    name: "jax-js-wasm",
    model: m,
    optim: o,
    async step(batch: Batch): Promise<StepResult> {
      alive();
      checkBatch(m, batch);
      const t = stepCount + 1;
      const lr = lrAt(t, o);
      const sc: Sched = { lr: np.array(lr), c1: np.array(1 - b1 ** t), c2: np.array(1 - b2 ** t) };
      const soft = batch.teacherProbs;
      if (soft && soft.length !== batch.batch * L * V)
        throw new RangeError(`teacherProbs must hold ${batch.batch}×${L}×${V} probabilities`);
      const [nP, nM, nV, loss, gnorm] = soft
        ? distillStep(
            params,
            mState,
            vState,
            ids(batch.x, batch.batch),
            ids(batch.y, batch.batch),
            np.array(soft).reshape([batch.batch * L, V]),
            cref(),
            sc,
          )
        : trainStep(params, mState, vState, ids(batch.x, batch.batch), ids(batch.y, batch.batch), cref(), sc);
      params = nP;
      mState = nM;
      vState = nV;
      stepCount = t;
      const lossV = (await loss.jsAsync()) as number;
      const gn = (await gnorm.jsAsync()) as number;
      return { step: t, loss: lossV, gradNorm: gn, lr };
    },
    async evaluate(batch: Batch): Promise<EvalResult> {
      alive();
      checkBatch(m, batch);
      const [nll, correct] = evalStep(tree.ref(params), ids(batch.x, batch.batch), ids(batch.y, batch.batch), cref());
      const n = batch.batch * L;
      const nllV = (await nll.jsAsync()) as number;
      const c = (await correct.jsAsync()) as number;
      return { loss: nllV / n, accuracy: c / n, tokens: n };
    },
    async logits(x: Int32Array, batch: number): Promise<Float32Array> {
      alive();
      if (x.length !== batch * L) throw new RangeError(`x must hold ${batch}×${L} tokens`);
      const out = logitsStep(tree.ref(params), ids(x, batch), cref());
      return Float32Array.from((await out.data()) as Float32Array);
    },
    async snapshot() {
      alive();
      const p = await readTree(params);
      const optimizer: OptimizerState = { step: stepCount, m: await readTree(mState), v: await readTree(vState) };
      return { params: p, optimizer };
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      tree.dispose(params);
      tree.dispose(mState);
      tree.dispose(vState);
      tree.dispose(consts);
      trainStep.dispose();
      distillStep.dispose();
      evalStep.dispose();
      logitsStep.dispose();
    },
  };
}
