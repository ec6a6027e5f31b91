// `llmops train --config train.yaml` and `llmops train resume RUN`: the built-in trainer, with a
// progress bar on stderr when it is a terminal; every run is tracked (`llmops runs show RUN`).
import type { Command } from "commander";
import type { Platform } from "../../platform/open.js";
import type { TrainProgress, TrainResult } from "../../train/trainer.js";
import { cliActor, type GlobalOptions, jsonOption, runAction, wantsJson, withPlatform } from "../context.js";
import { printJson } from "../output.js";

function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return "?";
  const t = Math.max(0, Math.round(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : `${m}m${String(t % 60).padStart(2, "0")}s`;
}

/** One line: step, bar, loss, val loss, tokens/s, ETA (redrawn in place with \r). */
export function progressLine(p: TrainProgress, width = 24): string {
  const filled = Math.round((p.step / p.totalSteps) * width);
  const bar = `${"=".repeat(filled)}${" ".repeat(width - filled)}`;
  const val = p.valLoss === undefined ? "" : ` val ${p.valLoss.toFixed(3)}`;
  return `step ${p.step}/${p.totalSteps} [${bar}] loss ${p.loss.toFixed(3)}${val} ${Math.round(p.tokensPerS)} tok/s ETA ${formatDuration(p.etaS)}`;
}

async function runTrainer(
  platform: Platform,
  command: Command,
  go: (o: import("../../train/trainer.js").TrainOptions) => Promise<TrainResult>,
  after?: (result: TrainResult) => Promise<void>,
): Promise<void> {
  const path = await import("node:path");
  const { RunStore } = await import("../../train/runs.js");
  const tty = process.stderr.isTTY === true && !wantsJson(command);
  const controller = new AbortController();
  // Ctrl-C once: finish the step, checkpoint, mark the run stopped. Twice: exit at once.
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
    process.stderr.write("\nstopping after this step (Ctrl-C again to quit now)…\n");
  };
  process.on("SIGINT", onSigint);
  let lastDraw = 0;
  try {
    const result = await go({
      runs: new RunStore(platform.store),
      datasets: platform.datasets,
      actor: cliActor(),
      runsDir: path.join(platform.config.home, "runs"),
      signal: controller.signal,
      onRunCreated: (run) => {
        if (!wantsJson(command)) process.stderr.write(`run ${run.id}\n`);
      },
      onEvent: (d) => {
        if (!wantsJson(command))
          process.stderr.write(`${tty ? "\n" : ""}[${d.severity}] step ${d.step} ${d.kind}: ${d.message}\n`);
      },
      onProgress: (p) => {
        if (!tty) return;
        const now = Date.now();
        if (now - lastDraw < 200 && p.step < p.totalSteps) return;
        lastDraw = now;
        process.stderr.write(`\r${progressLine(p)}\x1b[K`);
      },
    });
    if (tty) process.stderr.write("\n");
    if (after) return after(result);
    if (wantsJson(command)) return printJson(result);
    const f = (v: number | null, d = 4): string => (v === null ? "-" : v.toFixed(d));
    process.stdout.write(
      `run ${result.run.id} ${result.status} after ${result.steps} steps: loss ${f(result.loss)}, val loss ${f(result.valLoss)}, ` +
        `val perplexity ${f(result.valPerplexity, 2)}, val accuracy ${f(result.valAccuracy)}, ${Math.round(result.tokensPerS)} tokens/s\n` +
        `weights ${result.weightsFile}\ntokenizer ${result.tokenizerFile}\n`,
    );
    const sm = result.run.summary;
    if (typeof sm.teacher_params === "number") {
      const rows: [string, unknown, unknown][] = [
        ["parameters", sm.teacher_params, sm.student_params],
        ["val perplexity", Number(sm.teacher_val_perplexity).toFixed(2), f(result.valPerplexity, 2)],
        ["forward tokens/s", sm.teacher_forward_tokens_per_s, sm.student_forward_tokens_per_s],
      ];
      process.stdout.write(`\n${"".padEnd(18)}${"teacher".padStart(12)}${"student".padStart(12)}\n`);
      for (const [k, a, b] of rows)
        process.stdout.write(`${k.padEnd(18)}${String(a).padStart(12)}${String(b).padStart(12)}\n`);
    }
    if (result.status === "diverged" || result.status === "failed") process.exitCode = 1;
  } finally {
    process.off("SIGINT", onSigint);
  }
}

/**
 * train / distill: the global --config names the recipe here, as the docs promise, so these do not
 * use withPlatform; the platform's own configuration then comes from LLMOPS_CONFIG or ./llmops.yaml.
 */
async function recipeAction(command: Command, verb: "train" | "distill"): Promise<void> {
  const { LlmopsError } = await import("../../errors.js");
  const g = command.optsWithGlobals<
    GlobalOptions & {
      recipe?: string;
      from?: string;
      teacher?: string;
      out?: string;
      steps?: string;
      writeLock?: boolean;
    }
  >();
  const file = g.recipe ?? g.config;
  if (!file)
    throw new LlmopsError("usage", `Give the recipe: llmops ${verb} --config recipe.yaml (see llmops ${verb} --help).`);
  const { loadConfig } = await import("../../config/index.js");
  const flags: import("../../config/index.js").ConfigLayer = {};
  if (g.home) flags.home = g.home;
  if (g.databaseUrl) flags.database_url = g.databaseUrl;
  if (g.artifactsUrl) flags.artifacts_url = g.artifactsUrl;
  const platformConfig = loadConfig({ flags, configFile: g.recipe ? g.config : undefined }).config;
  const { loadTrainConfig } = await import("../../train/config.js");
  const { trainModel } = await import("../../train/trainer.js");
  const config = await loadTrainConfig(file);
  const { openPlatform } = await import("../../platform/open.js");
  const platform = await openPlatform(platformConfig);
  try {
    if (config.export && verb === "train" && !g.from) {
      const { reproduce } = await import("./train-recipe.js");
      await reproduce(
        command,
        file,
        config,
        { out: g.out, steps: g.steps, writeLock: g.writeLock === true },
        (go, after) => runTrainer(platform, command, go, after),
      );
      return;
    }
    if (g.out || g.steps || g.writeLock)
      throw new LlmopsError(
        "usage",
        "--out, --steps and --write-lock apply to a reproducible recipe (one with an export section).",
      );
    await runTrainer(platform, command, async (o) => {
      const ref = verb === "distill" ? g.teacher : g.from;
      if (!ref) return trainModel(config, o);
      const { loadBaseModel } = await import("../../train/from-model.js");
      const model = await loadBaseModel({
        registry: platform.registry,
        artifacts: platform.artifacts,
        runs: o.runs,
        runsDir: o.runsDir,
        ref,
      });
      return verb === "distill" ? trainModel(config, o, undefined, model) : trainModel(config, o, model);
    });
  } finally {
    await platform.close();
  }
}

export function registerTrainCommands(program: Command): void {
  const train = jsonOption(
    program
      .command("train")
      .description(
        "train a llama-style model with the built-in trainer (tracked as a run). The recipe is given with " +
          "--config train.yaml (then the platform's own configuration comes from LLMOPS_CONFIG or ./llmops.yaml) " +
          "or --recipe train.yaml",
      )
      .option("--recipe <file>", "training recipe (YAML): data, tokenizer, model, train, monitor, output")
      .option("--from <model>", "fine-tune this registered model version (name@version, all weights; its tokenizer)")
      .option("--out <dir>", "reproducible recipe (with export:): folder for the tokenizer, weights and GGUF")
      .option("--steps <n>", "reproducible recipe: run only the first N steps and compare their losses with the lock")
      .option("--write-lock", "reproducible recipe: record this run (sha256s, losses) as the recipe's lock file"),
  ).action(
    // Not withPlatform: the global --config names the training recipe here, as the docs promise.
    runAction((command) => recipeAction(command, "train")),
  );

  jsonOption(
    program
      .command("distill")
      .description(
        "train a smaller student on a registered teacher's soft targets (α·CE + (1−α)·T²·KL; recipe's distill: " +
          "{alpha, temperature}); the summary compares student and teacher size, speed and perplexity",
      )
      .requiredOption("--teacher <model>", "the teacher: a registered model version (name@version) trained here")
      .option("--recipe <file>", "the student's recipe (YAML); or --config"),
  ).action(runAction((command) => recipeAction(command, "distill")));

  jsonOption(
    train
      .command("resume")
      .description("continue a stopped or killed run from its last checkpoint")
      .argument("<run>", "run id (or a unique prefix of 6+ characters)"),
  ).action(
    withPlatform(async (platform, command, ref: string) => {
      const { resumeTraining } = await import("../../train/trainer.js");
      await runTrainer(platform, command, (o) => resumeTraining(ref, o));
    }),
  );

  jsonOption(
    program
      .command("export")
      .description(
        "write a trained run's weights as GGUF and register it as a model version (lineage: run, data, tokenizer, recipe)",
      )
      .argument("<run>", "run id (or a unique prefix of 6+ characters)")
      .option("--quant <type>", "f32, f16, q8_0 or q4_0", "f32")
      .option("--name <model>", "registered model name (default: the run's name)")
      .option("--alias <alias>", "point this alias at the new version"),
  ).action(
    withPlatform(async (platform, command, ref: string) => {
      const path = await import("node:path");
      const { RunStore } = await import("../../train/runs.js");
      const { exportRun } = await import("../../train/export.js");
      const o = command.opts<{ quant: string; name?: string; alias?: string }>();
      const result = await exportRun({
        runs: new RunStore(platform.store),
        registry: platform.registry,
        runsDir: path.join(platform.config.home, "runs"),
        run: ref,
        quant: o.quant.toLowerCase() as import("../../train/export.js").ExportQuant,
        name: o.name,
        alias: o.alias,
        actor: cliActor(),
      });
      if (wantsJson(command)) return printJson(result);
      process.stdout.write(
        `registered ${result.version.ref} (${result.version.quantization ?? o.quant}, ${result.bytes} bytes) from run ${ref}\n${result.file}\n`,
      );
    }),
  );
}
