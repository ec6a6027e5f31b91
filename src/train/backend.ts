// The TrainingBackend contract: what the training loop, checkpoints and export need from a
// tensor library. One implementation per file (jax-backend.ts today); the loop never imports
// a tensor library itself, so a faster backend (tfjs-wasm, a native addon, a GPU) can replace
// it without touching run tracking, monitoring or the CLI.
import type { ModelConfig, OptimConfig, Params } from "./model.js";

/** One batch of next-token examples: `x[i]` predicts `y[i]`, both [batch, seqLen] row-major. */
export interface Batch {
  x: Int32Array;
  y: Int32Array;
  batch: number;
  /**
   * Distillation: the teacher's softmax(logits / T) per position, [batch·seqLen, vocab]. With it,
   * the step minimises α·CE(y) + (1−α)·T²·KL(teacher ‖ student at T) (BackendOptions.distill).
   */
  teacherProbs?: Float32Array;
}

export interface StepResult {
  step: number; // 1-based optimiser step just taken
  loss: number; // mean cross-entropy (nats/token) before the update
  gradNorm: number; // global L2 norm before clipping
  lr: number;
}

export interface EvalResult {
  loss: number; // mean cross-entropy over every token given
  accuracy: number; // fraction of tokens whose arg-max prediction is the target
  tokens: number;
}

/** AdamW moments, keyed like the parameters; `step` is the number of updates applied so far. */
export interface OptimizerState {
  step: number;
  m: Params;
  v: Params;
}

export interface TrainingBackend {
  readonly name: string;
  readonly model: ModelConfig;
  readonly optim: OptimConfig;
  /** One AdamW step (warm-up + cosine LR, global-norm clipping) on `batch`. */
  step(batch: Batch): Promise<StepResult>;
  /** Loss and next-token accuracy without updating anything. */
  evaluate(batch: Batch): Promise<EvalResult>;
  /** Logits [batch·seqLen, vocab] for `x` (parity checks against llama.cpp). */
  logits(x: Int32Array, batch: number): Promise<Float32Array>;
  /** Copies of the current weights and optimiser state (checkpoints, export). */
  snapshot(): Promise<{ params: Params; optimizer: OptimizerState }>;
  dispose(): void;
}

export interface BackendOptions {
  model: ModelConfig;
  optim: OptimConfig;
  params: Params; // initial weights (seeded init or a checkpoint)
  optimizer?: OptimizerState; // resume from a checkpoint
  distill?: { alpha: number; temperature: number };
}
