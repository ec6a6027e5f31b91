// Reproducible recipes: `llmops train --recipe recipe.yaml` runs the whole chain (tokenizer →
// training → GGUF export) and checks the result against the recipe's lock file — the sha256 of the
// data, the tokenizer and the GGUF, and the training loss at recorded steps — written when the
// recipe was first run (`--write-lock`). With `maxSteps` only the first steps run (the learning-rate
// schedule stays the full run's), so a test can check the start of the curve in seconds.
//
// Why exact equality can hold: the tokenizer trainer is deterministic, initialisation and batches
// come from seeded integer generators, the jax-js wasm backend runs single-threaded with a fixed
// reduction order, and WebAssembly float arithmetic is IEEE-exact. What could still differ on
// another machine or Node version: JavaScript's Math.cos/log/exp (used for RoPE tables, Box–Muller
// init and the loss) are not required to be correctly rounded, so a different V8 may round them
// differently. The checks therefore also report the largest loss difference, so a near miss
// (noise) and a real change (a different recipe or corpus) read differently.
import { createHash } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { LlmopsError, notFound } from "../errors.js";
import type { TrainConfig } from "./config.js";
import { writeRunGguf } from "./export.js";
import type { ModelConfig } from "./model.js";
import { type TrainOptions, type TrainResult, trainModel } from "./trainer.js";

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, "must be a sha256 (64 hex digits)");
const finite = z.number().refine(Number.isFinite, "must be a finite number");

export const recipeLockSchema = z.strictObject({
  format: z.literal("llmops-recipe-lock/1"),
  /** sha256 of the recipe file's bytes: a changed recipe is reported before anything else. */
  recipeSha256: sha256Hex,
  /** The training data's hash as the trainer computes it (file lengths and bytes, in order). */
  dataSha256: sha256Hex,
  tokenizerSha256: sha256Hex,
  gguf: z.strictObject({ file: z.string().min(1), sha256: sha256Hex, bytes: z.number().int().positive() }),
  /** Training loss (nats/token) at recorded steps, keyed by the 1-based step. */
  loss: z.record(z.string().regex(/^[1-9][0-9]*$/), finite),
  final: z.strictObject({
    step: z.number().int().positive(),
    loss: finite,
    valLoss: finite,
    valPerplexity: finite,
    valAccuracy: finite,
  }),
  /** Where and how long the recorded run took (information, not compared). */
  trainedWith: z.strictObject({
    parameters: z.number().int().positive(),
    trainTokens: z.number().int().positive(),
    tokensSeen: z.number().int().positive(),
    wallSeconds: z.number().nonnegative(),
    cpuSeconds: z.number().nonnegative(),
    node: z.string(),
    platform: z.string(),
    cpu: z.string(),
  }),
});
export type RecipeLock = z.output<typeof recipeLockSchema>;

export interface RecipeCheck {
  what: string;
  ok: boolean;
  expected: string;
  actual: string;
}

export interface ReproduceResult {
  train: TrainResult;
  /** The GGUF written (null when the run stopped early: partial weights are not the recipe's). */
  gguf: { file: string; sha256: string; bytes: number } | null;
  /** Training loss at every step of this invocation. */
  losses: Map<number, number>;
  lockFile: string | null;
  /** Comparisons with the lock (empty when there is none, or when it was just written). */
  checks: RecipeCheck[];
  /** true/false: every check passed/one failed; null: nothing to compare against. */
  reproduced: boolean | null;
  /** The lock written by `writeLock`. */
  written: RecipeLock | null;
}

export interface ReproduceOptions extends Omit<TrainOptions, "stopAfterSteps"> {
  /** The recipe file (its bytes are hashed into the lock). */
  recipeFile: string;
  config: TrainConfig;
  /** Output folder (tokenizer, weights, GGUF); default the recipe's `output`, else the run folder. */
  outDir?: string;
  /** Run only the first steps (the schedule is still the full run's) and compare their losses. */
  maxSteps?: number;
  /** Record this run as the recipe's lock (needs the full run). */
  writeLock?: boolean;
}

const sha256 = (b: string | Uint8Array): string => createHash("sha256").update(b).digest("hex");

/** Steps whose loss the lock records: every step up to 50 (what a quick test reruns), then every 25th and the last. */
export function lockedLossSteps(totalSteps: number): number[] {
  const steps: number[] = [];
  for (let s = 1; s <= totalSteps; s++) if (s <= 50 || s % 25 === 0 || s === totalSteps) steps.push(s);
  return steps;
}

export async function readRecipeLock(file: string): Promise<RecipeLock> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT")
      throw notFound(`The recipe lock ${file} does not exist; run the recipe once with --write-lock to record it.`);
    throw error;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new LlmopsError("integrity", `${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const r = recipeLockSchema.safeParse(doc);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new LlmopsError(
      "integrity",
      `${file}: ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}; rerun the recipe with --write-lock to record it again.`,
    );
  }
  return r.data;
}

async function writeLockFile(file: string, lock: RecipeLock): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(lock, null, 2)}\n`);
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** Compares this run with the lock: exact equality everywhere, with the largest loss difference reported. */
export function compareWithLock(
  lock: RecipeLock,
  actual: {
    recipeSha256: string;
    dataSha256: string;
    tokenizerSha256: string;
    losses: Map<number, number>;
    final?: RecipeLock["final"];
    gguf?: { sha256: string; bytes: number } | null;
  },
): RecipeCheck[] {
  const checks: RecipeCheck[] = [];
  const eq = (what: string, expected: string, got: string): void => {
    checks.push({ what, ok: expected === got, expected, actual: got });
  };
  eq("recipe sha256", lock.recipeSha256, actual.recipeSha256);
  eq("data sha256", lock.dataSha256, actual.dataSha256);
  eq("tokenizer sha256", lock.tokenizerSha256, actual.tokenizerSha256);
  let compared = 0;
  let maxDelta = 0;
  let firstDiff: number | null = null;
  for (const [key, want] of Object.entries(lock.loss)) {
    const step = Number(key);
    const got = actual.losses.get(step);
    if (got === undefined) continue; // not run (a --steps cap)
    compared++;
    const d = Math.abs(got - want);
    if (!(d <= maxDelta)) maxDelta = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
    if (got !== want && firstDiff === null) firstDiff = step;
  }
  checks.push({
    what: `train loss at ${compared} recorded steps`,
    ok: compared > 0 && firstDiff === null,
    expected: "identical",
    actual:
      compared === 0
        ? "no recorded step was run"
        : firstDiff === null
          ? "identical"
          : `first differs at step ${firstDiff}, max |Δ| ${maxDelta.toExponential(2)}`,
  });
  if (actual.final) {
    const f = actual.final;
    const fmt = (x: RecipeLock["final"]): string =>
      `step ${x.step}, loss ${x.loss}, val loss ${x.valLoss}, val accuracy ${x.valAccuracy}`;
    const same =
      f.step === lock.final.step &&
      f.loss === lock.final.loss &&
      f.valLoss === lock.final.valLoss &&
      f.valAccuracy === lock.final.valAccuracy;
    checks.push({ what: "final metrics", ok: same, expected: fmt(lock.final), actual: fmt(f) });
  }
  if (actual.gguf) eq("gguf sha256", lock.gguf.sha256, actual.gguf.sha256);
  return checks;
}

/** Runs a recipe end to end and checks it against (or records) its lock. */
export async function reproduceRecipe(o: ReproduceOptions): Promise<ReproduceResult> {
  const exp = o.config.export;
  if (!exp)
    throw new LlmopsError(
      "config_invalid",
      `${o.recipeFile} has no export section; a reproducible recipe names its GGUF (export: {name, file, quant, lock}).`,
      { param: "export" },
    );
  if (o.maxSteps !== undefined && (!Number.isInteger(o.maxSteps) || o.maxSteps < 1))
    throw new LlmopsError("usage", `--steps must be a positive integer (got ${o.maxSteps}).`);
  if (o.writeLock && o.maxSteps !== undefined && o.maxSteps < o.config.train.steps)
    throw new LlmopsError("usage", "--write-lock records the full run; leave out --steps.");
  if (o.writeLock && !exp.lock)
    throw new LlmopsError("config_invalid", `${o.recipeFile}: export.lock must name the lock file to write.`, {
      param: "export.lock",
    });
  const recipeSha256 = sha256(await readFile(o.recipeFile));
  const lock = exp.lock && !o.writeLock ? await readRecipeLock(exp.lock) : null;
  const config: TrainConfig = { ...o.config, output: o.outDir ? path.resolve(o.outDir) : o.config.output };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const train = await trainModel(config, {
    ...o,
    ...(o.maxSteps !== undefined ? { stopAfterSteps: o.maxSteps } : {}),
  });
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const [series] = await o.runs.metrics(train.run.id, { split: "train", names: ["loss"] });
  const losses = new Map<number, number>();
  for (let i = 0; series && i < series.steps.length; i++)
    losses.set(series.steps[i] as number, series.values[i] as number);
  const full = train.status === "completed" && train.steps === config.train.steps;
  let gguf: ReproduceResult["gguf"] = null;
  if (full) {
    const file = path.join(train.outputDir, exp.file);
    const built = await writeRunGguf({
      dir: train.outputDir,
      model: train.run.params.model as ModelConfig,
      quant: exp.quant,
      name: exp.name,
      file,
    });
    gguf = { file, sha256: sha256(await readFile(file)), bytes: built.bytes };
  }
  const dataSha256 = String(train.run.dataset.hash);
  const tokenizerSha256 = train.run.tokenizerHash ?? "";
  const final =
    full && train.valLoss !== null && train.valPerplexity !== null && train.valAccuracy !== null
      ? {
          step: train.steps,
          loss: train.loss,
          valLoss: train.valLoss,
          valPerplexity: train.valPerplexity,
          valAccuracy: train.valAccuracy,
        }
      : undefined;
  if (o.writeLock) {
    if (!gguf || !final || !exp.lock)
      throw new LlmopsError("conflict", `Run ${train.run.id} did not complete (${train.status}); no lock written.`);
    const recorded = new Map(lockedLossSteps(config.train.steps).map((s) => [s, losses.get(s)] as const));
    const written: RecipeLock = {
      format: "llmops-recipe-lock/1",
      recipeSha256,
      dataSha256,
      tokenizerSha256,
      gguf: { file: exp.file, sha256: gguf.sha256, bytes: gguf.bytes },
      loss: Object.fromEntries(
        [...recorded].filter((e): e is [number, number] => e[1] !== undefined).map(([s, v]) => [String(s), v]),
      ),
      final,
      trainedWith: {
        parameters: Number(train.run.params.parameters),
        trainTokens: Number(train.run.dataset.trainTokens),
        tokensSeen: train.steps * config.train.batchSize * config.model.seqLen,
        wallSeconds: Math.round(wallSeconds),
        cpuSeconds: Math.round((cpu.user + cpu.system) / 1e6),
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
        cpu: os.cpus()[0]?.model.trim() ?? "unknown",
      },
    };
    await writeLockFile(exp.lock, written);
    return { train, gguf, losses, lockFile: exp.lock, checks: [], reproduced: null, written };
  }
  if (!lock) return { train, gguf, losses, lockFile: null, checks: [], reproduced: null, written: null };
  const checks = compareWithLock(lock, {
    recipeSha256,
    dataSha256,
    tokenizerSha256,
    losses,
    ...(final ? { final } : {}),
    gguf,
  });
  return {
    train,
    gguf,
    losses,
    lockFile: exp.lock ?? null,
    checks,
    reproduced: checks.every((c) => c.ok),
    written: null,
  };
}
