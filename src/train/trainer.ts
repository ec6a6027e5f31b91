// The built-in training loop: data → tokenizer → TrainingBackend steps, with every step's metrics,
// evaluations and convergence events recorded on a tracked run, periodic atomic checkpoints and
// the final weights written to the run's folder. `resumeTraining` continues a killed run from its
// last checkpoint; batches depend only on (seed, step), so the loss curve continues unchanged.
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { DatasetStore } from "../data/datasets.js";
import { LlmopsError } from "../errors.js";
import type { OptimizerState, TrainingBackend } from "./backend.js";
import { defaultFfnDim, parseTrainConfig, type TrainConfig } from "./config.js";
import { evalBatches, readTextFiles, tokenize, trainBatch } from "./data.js";
import type { BaseModel } from "./from-model.js";
import { countParams, initParams, type ModelConfig, type OptimConfig, type Params } from "./model.js";
import {
  type Detection,
  defaultMonitorConfig,
  initialMonitorState,
  type MonitorConfig,
  observeEval,
  observeTrainStep,
} from "./monitor.js";
import {
  currentEnvironment,
  currentGitCommit,
  type MetricPointInput,
  type Run,
  type RunStatus,
  type RunStore,
} from "./runs.js";
import { readSafetensors, writeSafetensors } from "./safetensors.js";
import { CHATML_TOKENS, loadTokenizer, SpmTokenizer, serializeTokenizer, trainTokenizer } from "./tokenizer/index.js";

export interface TrainProgress {
  step: number;
  totalSteps: number;
  loss: number;
  tokensPerS: number;
  etaS: number;
  valLoss?: number;
}

export interface TrainOptions {
  runs: RunStore;
  /** Needed for data.dataset and data.registerAs. */
  datasets?: DatasetStore;
  actor: string;
  /** Default parent of run folders (<home>/runs). */
  runsDir: string;
  onRunCreated?: (run: Run) => void;
  onProgress?: (p: TrainProgress) => void;
  onEvent?: (d: Detection) => void;
  /** Aborting ends the run after the current step with status "stopped" (a checkpoint is written). */
  signal?: AbortSignal;
  /** Stop after this many steps of this invocation, as if killed (tests of resume). */
  stopAfterSteps?: number;
}

export interface TrainResult {
  run: Run;
  status: RunStatus;
  steps: number;
  loss: number;
  valLoss: number | null;
  valPerplexity: number | null;
  valAccuracy: number | null;
  tokensPerS: number;
  outputDir: string;
  weightsFile: string;
  tokenizerFile: string;
}

export const CHECKPOINT_FILE = "checkpoint.safetensors";
export const WEIGHTS_FILE = "weights.safetensors";
export const TOKENIZER_FILE = "tokenizer.json";

/** The run's architecture: the recipe's, or the base model's when fine-tuning (seqLen from the recipe). */
export function modelConfigOf(c: TrainConfig, vocabSize: number, base?: ModelConfig): ModelConfig {
  if (base) return { ...base, seqLen: c.model.seqLen };
  const { dim, layers, heads } = c.model;
  if (dim === undefined || layers === undefined || heads === undefined)
    throw new LlmopsError(
      "config_invalid",
      "model.dim, model.layers and model.heads are required (unless fine-tuning with --from)",
      {
        param: "model",
      },
    );
  return {
    vocabSize,
    dim,
    layers,
    heads,
    kvHeads: c.model.kvHeads ?? heads,
    ffnDim: c.model.ffnDim ?? defaultFfnDim(dim),
    seqLen: c.model.seqLen,
    ropeTheta: c.model.ropeTheta,
    normEps: c.model.normEps,
  };
}

export function optimConfigOf(c: TrainConfig): OptimConfig {
  const t = c.train;
  return {
    lr: t.lr,
    minLrRatio: t.minLrRatio,
    warmupSteps: t.warmupSteps,
    totalSteps: t.steps,
    beta1: t.beta1,
    beta2: t.beta2,
    eps: t.eps,
    weightDecay: t.weightDecay,
    clipNorm: t.clipNorm,
  };
}

function monitorConfigOf(c: TrainConfig): MonitorConfig {
  return {
    ...defaultMonitorConfig,
    warmupSteps: Math.max(defaultMonitorConfig.warmupSteps, c.train.warmupSteps),
    plateauWindow: c.monitor.plateauWindow,
    spikeRatio: c.monitor.spikeRatio,
    stopOnPlateau: c.monitor.earlyStopOnPlateau,
    stopOnOverfit: c.monitor.earlyStopOnOverfit,
  };
}

const sha256 = (s: string | Uint8Array): string => createHash("sha256").update(s).digest("hex");

function flattenState(params: Params, opt?: OptimizerState): Record<string, { shape: number[]; data: Float32Array }> {
  const out: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [k, t] of Object.entries(params)) out[`param.${k}`] = { shape: t.shape, data: t.data };
  if (opt) {
    for (const [k, t] of Object.entries(opt.m)) out[`adam_m.${k}`] = { shape: t.shape, data: t.data };
    for (const [k, t] of Object.entries(opt.v)) out[`adam_v.${k}`] = { shape: t.shape, data: t.data };
  }
  return out;
}

/** Reads a checkpoint back into parameters (decay flags from `like`) and optimiser state. */
export async function readCheckpoint(
  file: string,
  like: Params,
): Promise<{ params: Params; optimizer: OptimizerState; metadata: Record<string, string> }> {
  const { tensors, metadata } = await readSafetensors(file);
  const pick = (prefix: string): Params => {
    const p: Params = {};
    for (const [k, t] of Object.entries(like)) {
      const s = tensors[`${prefix}.${k}`];
      if (!s || s.shape.join() !== t.shape.join())
        throw new LlmopsError("integrity", `${file} lacks ${prefix}.${k} of shape [${t.shape}]`);
      p[k] = { shape: s.shape, data: s.data, decay: t.decay };
    }
    return p;
  };
  const step = Number(metadata.step);
  if (!Number.isInteger(step) || step < 0) throw new LlmopsError("integrity", `${file} has no step in its metadata`);
  return { params: pick("param"), optimizer: { step, m: pick("adam_m"), v: pick("adam_v") }, metadata };
}

interface Prepared {
  config: TrainConfig;
  tokenizer: SpmTokenizer;
  tokenizerText: string;
  train: Int32Array;
  val: Int32Array;
  datasetHash: string;
  datasetVersion?: string;
  bytes: number;
  model: ModelConfig;
  optim: OptimConfig;
}

/** The run's text: files as they are, or a dataset version's rows (text field, one row a line). */
async function readData(
  config: TrainConfig,
  datasets: DatasetStore | undefined,
  actor: string,
): Promise<{ texts: string[]; hash: string; bytes: number; version?: string }> {
  let ref = config.data.dataset;
  if (config.data.registerAs) {
    if (!datasets) throw new LlmopsError("internal", "data.registerAs needs the dataset store");
    const { ingest } = await import("../data/ingest.js");
    const v = await ingest(datasets, {
      files: config.data.files ?? [],
      name: config.data.registerAs,
      textField: config.data.textField,
      actor,
    });
    ref = `${v.name}@${v.version}`;
  }
  if (!ref) return readTextFiles(config.data.files ?? []);
  if (!datasets) throw new LlmopsError("internal", "data.dataset needs the dataset store");
  const version = await datasets.resolve(ref);
  const field = config.data.textField ?? version.textField ?? "text";
  const lines: string[] = [];
  let bytes = 0;
  for await (const batch of datasets.iterate(version)) {
    for (const { row } of batch) {
      const v = (row as Record<string, unknown>)[field];
      if (typeof v !== "string") continue;
      lines.push(v);
      bytes += Buffer.byteLength(v) + 1;
    }
  }
  if (lines.length === 0)
    throw new LlmopsError(
      "invalid_request",
      `Dataset ${ref} has no string field '${field}'; set data.textField to the field that holds the text.`,
      {
        param: "data.textField",
      },
    );
  return { texts: [lines.join("\n")], hash: version.contentHash, bytes, version: `${version.name}@${version.version}` };
}

async function prepare(
  config: TrainConfig,
  datasets: DatasetStore | undefined,
  actor: string,
  base?: ModelConfig,
): Promise<Prepared> {
  const { texts, hash, bytes, version } = await readData(config, datasets, actor);
  let tokenizer: SpmTokenizer;
  if (config.tokenizer.file) tokenizer = await loadTokenizer(config.tokenizer.file);
  else {
    // The tokenizer trainer reads files: a dataset's text goes through a temporary one.
    const tmp = config.data.files && !version ? undefined : await mkdtemp(path.join(tmpdir(), "llmops-tok-"));
    try {
      const files = tmp ? [path.join(tmp, "text.txt")] : (config.data.files ?? []);
      if (tmp) await writeFile(files[0] as string, texts.join("\n"));
      const { data } = await trainTokenizer({
        files,
        vocabSize: config.tokenizer.vocabSize,
        ...(config.tokenizer.chatml ? CHATML_TOKENS : {}),
      });
      tokenizer = new SpmTokenizer(data);
    } finally {
      if (tmp) await rm(tmp, { recursive: true, force: true });
    }
  }
  const tokenizerText = serializeTokenizer(tokenizer.data);
  const { train, val } = tokenize(texts, tokenizer, config.data.valFraction, config.model.seqLen);
  return {
    config,
    tokenizer,
    tokenizerText,
    train,
    val,
    datasetHash: hash,
    datasetVersion: version,
    bytes,
    model: modelConfigOf(config, tokenizer.vocabSize, base),
    optim: optimConfigOf(config),
  };
}

/** softmax(z / T) row by row, [rows, vocab] (the teacher's soft targets). */
export function softmaxWithTemperature(logits: Float32Array, vocab: number, temperature: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let r = 0; r < logits.length / vocab; r++) {
    const o = r * vocab;
    let mx = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < vocab; i++) mx = Math.max(mx, (logits[o + i] as number) / temperature);
    let sum = 0;
    for (let i = 0; i < vocab; i++) {
      const e = Math.exp((logits[o + i] as number) / temperature - mx);
      out[o + i] = e;
      sum += e;
    }
    for (let i = 0; i < vocab; i++) out[o + i] = (out[o + i] as number) / sum;
  }
  return out;
}

/** Trains a new run from a recipe; with `base`, fine-tunes that registered model (all weights). */
export async function trainModel(
  config: TrainConfig,
  opts: TrainOptions,
  base?: BaseModel,
  teacherModel?: BaseModel,
): Promise<TrainResult> {
  if (base && teacherModel)
    throw new LlmopsError("usage", "Fine-tune (--from) or distill (--teacher), not both at once.");
  const vocabOf = base ?? teacherModel;
  if (vocabOf) config = { ...config, tokenizer: { ...config.tokenizer, file: vocabOf.tokenizerFile } };
  const p = await prepare(config, opts.datasets, opts.actor, base?.model);
  if (vocabOf && p.tokenizer.vocabSize !== vocabOf.model.vocabSize)
    throw new LlmopsError(
      "integrity",
      `The tokenizer of ${vocabOf.ref} has ${p.tokenizer.vocabSize} tokens, the model ${vocabOf.model.vocabSize}.`,
    );
  const { createJaxBackend } = await import("./jax-backend.js");
  const params0 = base ? base.params : initParams(p.model, config.train.seed);
  const run = await opts.runs.create(
    {
      name: config.name,
      source: "builtin",
      params: {
        recipe: config,
        model: p.model,
        optim: p.optim,
        parameters: countParams(params0),
        ...(base ? { base: base.ref } : {}),
        ...(teacherModel ? { teacher: teacherModel.ref, distill: config.distill } : {}),
      },
      dataset: {
        hash: p.datasetHash,
        ...(p.datasetVersion ? { version: p.datasetVersion } : {}),
        ...(config.data.files ? { files: config.data.files } : {}),
        bytes: p.bytes,
        trainTokens: p.train.length,
        valTokens: p.val.length,
      },
      tokenizerHash: sha256(p.tokenizerText),
      gitCommit: currentGitCommit() ?? undefined,
      env: { ...currentEnvironment(), backend: "jax-js-wasm" },
    },
    opts.actor,
  );
  opts.onRunCreated?.(run);
  const outputDir = config.output ?? path.join(opts.runsDir, run.id);
  await mkdir(outputDir, { recursive: true });
  await writeFile(path.join(outputDir, TOKENIZER_FILE), p.tokenizerText);
  await writeFile(path.join(outputDir, "recipe.json"), `${JSON.stringify({ runId: run.id, config }, null, 2)}\n`);
  const backend = await createJaxBackend({ model: p.model, optim: p.optim, params: params0 });
  if (!teacherModel) return loop(run, p, backend, outputDir, 0, initialMonitorState(), opts);
  const teacher = await createJaxBackend({
    model: { ...teacherModel.model, seqLen: p.model.seqLen },
    optim: p.optim,
    params: teacherModel.params,
  });
  // Student vs teacher before training: size and forward speed (independent of the weights' values).
  const evals = evalBatches(p.val, config.train.evalBatches, config.train.batchSize, p.model.seqLen);
  const speed = async (b: TrainingBackend): Promise<number> => {
    await b.logits(evals[0]?.x ?? new Int32Array(0), config.train.batchSize); // compile
    const t = performance.now();
    for (const e of evals) await b.logits(e.x, e.batch);
    return (evals.length * config.train.batchSize * p.model.seqLen) / ((performance.now() - t) / 1000);
  };
  let teacherNll = 0;
  let n = 0;
  for (const e of evals) {
    const r = await teacher.evaluate(e);
    teacherNll += r.loss * r.tokens;
    n += r.tokens;
  }
  const comparison = {
    teacher_params: countParams(teacherModel.params),
    student_params: countParams(params0),
    teacher_val_perplexity: Math.exp(teacherNll / n),
    teacher_forward_tokens_per_s: Math.round(await speed(teacher)),
    student_forward_tokens_per_s: Math.round(await speed(backend)),
  };
  await opts.runs.updateSummary(run.id, comparison);
  const result = await loop(run, p, backend, outputDir, 0, initialMonitorState(), opts, teacher);
  return { ...result, run: await opts.runs.get(run.id) };
}

/** Continues a run from its last checkpoint (after a crash or kill -9). */
export async function resumeTraining(runRef: string, opts: TrainOptions): Promise<TrainResult> {
  const run = await opts.runs.get(runRef);
  const recipe = run.params.recipe;
  if (!recipe || typeof recipe !== "object")
    throw new LlmopsError(
      "invalid_request",
      `Run ${run.id} was not made by the built-in trainer; it cannot be resumed here.`,
    );
  if (run.status === "completed")
    throw new LlmopsError("conflict", `Run ${run.id} already completed; nothing to resume.`);
  if (run.params.teacher)
    throw new LlmopsError(
      "invalid_request",
      `Run ${run.id} is a distillation run; resuming those is not supported yet (start it again).`,
    );
  const config = parseTrainConfig(recipe, process.cwd(), `run ${run.id} recipe`);
  const outputDir = config.output ?? path.join(opts.runsDir, run.id);
  const ckpt = path.join(outputDir, CHECKPOINT_FILE);
  // Resume reads exactly the data the run used: the dataset version it recorded, never a new ingest.
  const version = typeof run.dataset.version === "string" ? run.dataset.version : undefined;
  const data = version ? { ...config.data, files: undefined, registerAs: undefined, dataset: version } : config.data;
  const p = await prepare(
    { ...config, data, tokenizer: { ...config.tokenizer, file: path.join(outputDir, TOKENIZER_FILE) } },
    opts.datasets,
    opts.actor,
    run.params.base ? (run.params.model as ModelConfig) : undefined, // a fine-tune keeps its base's shape
  );
  if (sha256(p.tokenizerText) !== run.tokenizerHash)
    throw new LlmopsError("integrity", `The tokenizer in ${outputDir} is not the one run ${run.id} used.`);
  if (p.datasetHash !== run.dataset.hash)
    throw new LlmopsError(
      "integrity",
      `The training data changed since run ${run.id} started (hash ${p.datasetHash} ≠ ${String(run.dataset.hash)}); restore it or start a new run.`,
    );
  let state: Awaited<ReturnType<typeof readCheckpoint>>;
  try {
    state = await readCheckpoint(ckpt, initParams(p.model, config.train.seed));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      throw new LlmopsError(
        "not_found",
        `Run ${run.id} has no checkpoint (${ckpt}); set train.checkpointEvery and start again.`,
      );
    throw error;
  }
  // A stopped/failed run continues under the same id.
  if (run.status !== "running") await opts.runs.reopen(run.id);
  // Rebuild the monitor's view from the losses already logged up to the checkpoint.
  const mcfg = monitorConfigOf(config);
  let mstate = initialMonitorState();
  const [series] = await opts.runs.metrics(run.id, { split: "train", names: ["loss"] });
  for (let i = 0; series && i < series.steps.length; i++) {
    const step = series.steps[i] as number;
    if (step > state.optimizer.step) break;
    mstate = observeTrainStep(mstate, mcfg, { step, loss: series.values[i] as number }).state;
  }
  await opts.runs.addEvents(run.id, [
    {
      step: state.optimizer.step,
      kind: "resumed",
      message: `resumed from the checkpoint at step ${state.optimizer.step}`,
    },
  ]);
  const { createJaxBackend } = await import("./jax-backend.js");
  const backend = await createJaxBackend({
    model: p.model,
    optim: p.optim,
    params: state.params,
    optimizer: state.optimizer,
  });
  return loop(await opts.runs.get(run.id), p, backend, outputDir, state.optimizer.step, mstate, opts);
}

async function loop(
  run: Run,
  p: Prepared,
  backend: TrainingBackend,
  outputDir: string,
  startStep: number,
  monitorState: ReturnType<typeof initialMonitorState>,
  opts: TrainOptions,
  teacher?: TrainingBackend,
): Promise<TrainResult> {
  const { config, model } = p;
  const { steps, batchSize, seed, evalEvery, logEvery, checkpointEvery } = config.train;
  const mcfg = monitorConfigOf(config);
  const evals = evalBatches(p.val, config.train.evalBatches, batchSize, model.seqLen);
  const tokensPerStep = batchSize * model.seqLen;
  let mstate = monitorState;
  let pending: MetricPointInput[] = [];
  let status: RunStatus = "completed";
  let lastLoss = Number.NaN;
  let lastEval: { loss: number; accuracy: number } | null = null;
  const speeds: number[] = [];
  const started = performance.now();
  let step = startStep;
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    await opts.runs.logMetrics(run.id, pending);
    pending = [];
  };
  const record = async (ds: Detection[]): Promise<void> => {
    if (ds.length === 0) return;
    for (const d of ds) opts.onEvent?.(d);
    await opts.runs.addEvents(
      run.id,
      ds.map((d) => ({ step: d.step, kind: d.kind, severity: d.severity, message: d.message, details: d.details })),
    );
  };
  const evaluate = async (): Promise<boolean> => {
    let nll = 0;
    let correct = 0;
    let n = 0;
    for (const b of evals) {
      const r = await backend.evaluate(b);
      nll += r.loss * r.tokens;
      correct += r.accuracy * r.tokens;
      n += r.tokens;
    }
    const loss = nll / n;
    lastEval = { loss, accuracy: correct / n };
    pending.push({ step, split: "eval", values: { loss, perplexity: Math.exp(loss), accuracy: correct / n } });
    const o = observeEval(mstate, mcfg, { step, loss });
    mstate = o.state;
    await flush();
    await record(o.detections);
    return o.stop;
  };
  const checkpoint = async (): Promise<void> => {
    const snap = await backend.snapshot();
    await writeSafetensors(path.join(outputDir, CHECKPOINT_FILE), flattenState(snap.params, snap.optimizer), {
      format: "llmops-checkpoint",
      runId: run.id,
      step: String(snap.optimizer.step),
      dataPosition: String(snap.optimizer.step), // batches are a function of (seed, step)
    });
  };
  try {
    while (step < steps) {
      if (opts.signal?.aborted) {
        status = "stopped";
        break;
      }
      if (opts.stopAfterSteps !== undefined && step - startStep >= opts.stopAfterSteps) {
        status = "stopped";
        break;
      }
      const t0 = performance.now();
      const batch = trainBatch(p.train, seed, step + 1, batchSize, model.seqLen);
      if (teacher)
        batch.teacherProbs = softmaxWithTemperature(
          await teacher.logits(batch.x, batch.batch),
          model.vocabSize,
          config.distill.temperature,
        );
      const r = await backend.step(batch);
      step = r.step;
      const secs = (performance.now() - t0) / 1000;
      const tps = tokensPerStep / Math.max(secs, 1e-9);
      speeds.push(tps);
      lastLoss = r.loss;
      pending.push({
        step,
        split: "train",
        // A distillation step's loss is the combined objective (α·CE + (1−α)·T²·KL), not a
        // likelihood, so it gets no perplexity; evaluations report the student's own perplexity.
        values: teacher
          ? { loss: r.loss, lr: r.lr, grad_norm: r.gradNorm, tokens_per_s: tps }
          : { loss: r.loss, perplexity: Math.exp(r.loss), lr: r.lr, grad_norm: r.gradNorm, tokens_per_s: tps },
      });
      const o = observeTrainStep(mstate, mcfg, { step, loss: r.loss, gradNorm: r.gradNorm });
      mstate = o.state;
      if (o.detections.length > 0) {
        await flush();
        await record(o.detections);
      }
      if (o.stop) {
        status = o.detections.some((d) => d.kind === "divergence") ? "diverged" : "stopped";
        break;
      }
      const done = step - startStep;
      const elapsed = (performance.now() - started) / 1000;
      opts.onProgress?.({
        step,
        totalSteps: steps,
        loss: r.loss,
        tokensPerS: tps,
        etaS: (elapsed / done) * (steps - step),
        valLoss: lastEval ? (lastEval as { loss: number }).loss : undefined,
      });
      if (step % logEvery === 0) {
        await flush();
        await opts.runs.updateSummary(run.id, { step, loss: r.loss });
      }
      if (evalEvery > 0 && step % evalEvery === 0 && step < steps && (await evaluate())) {
        status = "stopped";
        break;
      }
      if (checkpointEvery > 0 && step % checkpointEvery === 0) {
        await flush();
        await checkpoint();
      }
    }
    if (status !== "diverged") {
      await evaluate();
      await checkpoint();
    }
    await flush();
    const snap = await backend.snapshot();
    const weightsFile = path.join(outputDir, WEIGHTS_FILE);
    if (status !== "diverged")
      await writeSafetensors(weightsFile, flattenState(snap.params), {
        format: "llmops-weights",
        runId: run.id,
        step: String(step),
        model: JSON.stringify(model),
      });
    const sorted = [...speeds].sort((a, b) => a - b);
    const tokensPerS = sorted.length > 0 ? (sorted[Math.floor(sorted.length / 2)] as number) : 0;
    const ev = lastEval as { loss: number; accuracy: number } | null;
    const summary = {
      step,
      loss: lastLoss,
      val_loss: ev?.loss ?? null,
      val_perplexity: ev ? Math.exp(ev.loss) : null,
      val_accuracy: ev?.accuracy ?? null,
      tokens_per_s: Math.round(tokensPerS),
      output_dir: outputDir,
    };
    const finalRun = await opts.runs.setStatus(
      run.id,
      status,
      JSON.parse(JSON.stringify(summary)) as Record<string, unknown>,
    );
    return {
      run: finalRun,
      status,
      steps: step,
      loss: lastLoss,
      valLoss: ev?.loss ?? null,
      valPerplexity: ev ? Math.exp(ev.loss) : null,
      valAccuracy: ev?.accuracy ?? null,
      tokensPerS,
      outputDir,
      weightsFile,
      tokenizerFile: path.join(outputDir, TOKENIZER_FILE),
    };
  } catch (error) {
    await flush().catch(() => {});
    await opts.runs.setStatus(run.id, "failed", { step, error: (error as Error).message }).catch(() => {});
    throw error;
  } finally {
    backend.dispose();
    teacher?.dispose();
  }
}
