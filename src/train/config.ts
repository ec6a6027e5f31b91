// `train.yaml`: the recipe of a built-in training run, validated with zod. Relative paths are
// resolved against the file's folder, so a recipe committed next to its data reproduces anywhere.
import { readFile } from "node:fs/promises";
import path from "node:path";
import YAML from "yaml";
import { z } from "zod";
import { LlmopsError, notFound } from "../errors.js";

const posInt = z.number().int().min(1);

export const trainConfigSchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  data: z.strictObject({
    /** UTF-8 text files, concatenated in order with an end-of-sequence token between them. */
    files: z.array(z.string().min(1)).min(1).optional(),
    /** A registered dataset version (`name@3`, or `name` for the latest); rows' text, one per line. */
    dataset: z.string().min(1).optional(),
    /** The row field holding the text (default: the version's text field, else "text"). */
    textField: z.string().min(1).optional(),
    /** Register `files` as a new version of this dataset first, and train on that version. */
    registerAs: z.string().min(1).optional(),
    /** The last fraction of the tokens is held out for evaluation. */
    valFraction: z.number().gt(0).lt(0.5).default(0.1),
  }),
  tokenizer: z
    .strictObject({
      /** An existing tokenizer JSON (llmops tokenizer train); otherwise one is trained on the data. */
      file: z.string().min(1).optional(),
      vocabSize: z.number().int().min(260).max(65536).default(512),
      /** Add ChatML's control tokens (<|im_start|>, <|im_end|> as end of turn): chat works on the export. */
      chatml: z.boolean().default(false),
    })
    .default({ vocabSize: 512, chatml: false }),
  model: z.strictObject({
    // dim, layers and heads are required unless the run fine-tunes a registered model (--from),
    // whose architecture then applies.
    dim: posInt.max(4096).optional(),
    layers: posInt.max(64).optional(),
    heads: posInt.max(64).optional(),
    kvHeads: posInt.max(64).optional(),
    ffnDim: posInt.max(16384).optional(), // default: SwiGLU's ≈ 8/3·dim rounded up to 32
    seqLen: posInt.max(8192),
    ropeTheta: z.number().positive().default(10000),
    normEps: z.number().positive().default(1e-5),
  }),
  train: z.strictObject({
    steps: posInt.max(10_000_000),
    batchSize: posInt.max(4096),
    lr: z.number().positive().max(100).default(3e-3),
    minLrRatio: z.number().min(0).max(1).default(0.1),
    warmupSteps: z.number().int().min(0).default(10),
    weightDecay: z.number().min(0).default(0.1),
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.95),
    eps: z.number().positive().default(1e-8),
    clipNorm: z.number().min(0).default(1),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .default(1234),
    evalEvery: z.number().int().min(0).default(50), // 0: only at the end
    evalBatches: posInt.max(1000).default(4),
    logEvery: posInt.default(10), // metric rows are written in batches of this many steps
    checkpointEvery: z.number().int().min(0).default(0), // 0: only the final weights
  }),
  monitor: z
    .strictObject({
      earlyStopOnPlateau: z.boolean().default(false),
      earlyStopOnOverfit: z.boolean().default(false),
      plateauWindow: posInt.default(100),
      spikeRatio: z.number().positive().default(0.5),
    })
    .default({ earlyStopOnPlateau: false, earlyStopOnOverfit: false, plateauWindow: 100, spikeRatio: 0.5 }),
  /** Distillation (llmops distill --teacher N@V): weight of the hard labels and softmax temperature. */
  distill: z
    .strictObject({
      alpha: z.number().min(0).max(1).default(0.5),
      temperature: z.number().positive().max(100).default(2),
    })
    .default({ alpha: 0.5, temperature: 2 }),
  /**
   * A reproducible recipe (`llmops train --recipe`): after training, write the GGUF and compare it
   * and the loss curve with the lock file recorded when the recipe was first run.
   */
  export: z
    .strictObject({
      quant: z.enum(["f32", "f16", "q8_0", "q4_0"]).default("q8_0"),
      /** general.name in the GGUF (and the registered name when it is registered). */
      name: z.string().min(1).max(200),
      /** The GGUF's file name inside the output folder. */
      file: z
        .string()
        .min(1)
        .regex(/^[^/\\]+\.gguf$/, "must be a plain file name ending in .gguf"),
      /** The lock file (expected sha256s and losses), relative to the recipe. */
      lock: z.string().min(1).optional(),
    })
    .optional(),
  /** Where the run's files go (tokenizer, weights); default <home>/runs/<run id>. */
  output: z.string().min(1).optional(),
});

export type TrainConfig = z.output<typeof trainConfigSchema>;
export type TrainConfigInput = z.input<typeof trainConfigSchema>;

/** Validates a parsed document; `baseDir` resolves relative paths. Errors name the field. */
export function parseTrainConfig(doc: unknown, baseDir: string, source = "train config"): TrainConfig {
  const r = trainConfigSchema.safeParse(doc ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue?.path.join(".") ?? "";
    throw new LlmopsError("config_invalid", `${source}: ${field ? `${field}: ` : ""}${issue?.message ?? "invalid"}`, {
      param: field || undefined,
    });
  }
  const c = r.data;
  const { dim, heads } = c.model;
  const kv = c.model.kvHeads ?? heads;
  if (dim !== undefined && heads !== undefined && (dim % heads !== 0 || (dim / heads) % 2 !== 0))
    throw new LlmopsError("config_invalid", `${source}: model.dim must be a multiple of 2·model.heads`, {
      param: "model.dim",
    });
  if (heads !== undefined && kv !== undefined && heads % kv !== 0)
    throw new LlmopsError("config_invalid", `${source}: model.heads must be a multiple of model.kvHeads`, {
      param: "model.kvHeads",
    });
  if (c.train.warmupSteps > c.train.steps)
    throw new LlmopsError("config_invalid", `${source}: train.warmupSteps must not exceed train.steps`, {
      param: "train.warmupSteps",
    });
  if ((c.data.files ? 1 : 0) + (c.data.dataset ? 1 : 0) !== 1)
    throw new LlmopsError("config_invalid", `${source}: data needs exactly one of data.files or data.dataset`, {
      param: "data",
    });
  if (c.data.registerAs && !c.data.files)
    throw new LlmopsError("config_invalid", `${source}: data.registerAs registers data.files; give the files`, {
      param: "data.registerAs",
    });
  const abs = (p: string): string => path.resolve(baseDir, p);
  return {
    ...c,
    data: { ...c.data, files: c.data.files?.map(abs) },
    tokenizer: { ...c.tokenizer, file: c.tokenizer.file ? abs(c.tokenizer.file) : undefined },
    export: c.export ? { ...c.export, lock: c.export.lock ? abs(c.export.lock) : undefined } : undefined,
    output: c.output ? abs(c.output) : undefined,
  };
}

export async function loadTrainConfig(file: string): Promise<TrainConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      throw notFound(`Training config ${file} does not exist; check the path.`);
    throw new LlmopsError("config_invalid", `Cannot read training config ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text);
  } catch (error) {
    throw new LlmopsError("config_invalid", `${file} is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  return parseTrainConfig(doc, path.dirname(path.resolve(file)), file);
}

/** SwiGLU hidden width llama uses: 2/3 of 4·dim, rounded up to a multiple of 32 (quantisable rows). */
export function defaultFfnDim(dim: number): number {
  return Math.ceil((8 * dim) / 3 / 32) * 32;
}
