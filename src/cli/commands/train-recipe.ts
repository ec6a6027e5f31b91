// `llmops train --recipe recipe.yaml` for a reproducible recipe (one with an `export:` section):
// train, write the GGUF, print its sha256 and compare everything with the recipe's lock file.
// Exit code 1 when the result differs from the lock, so `npm run reproduce:bundled` fails loudly.
import path from "node:path";
import type { Command } from "commander";
import { LlmopsError } from "../../errors.js";
import type { TrainConfig } from "../../train/config.js";
import type { ReproduceResult } from "../../train/recipe.js";
import type { TrainOptions, TrainResult } from "../../train/trainer.js";
import { wantsJson } from "../context.js";
import { formatBytes, printJson } from "../output.js";

type Runner = (
  go: (o: TrainOptions) => Promise<TrainResult>,
  after: (result: TrainResult) => Promise<void>,
) => Promise<void>;

export async function reproduce(
  command: Command,
  recipeFile: string,
  config: TrainConfig,
  flags: { out?: string; steps?: string; writeLock: boolean },
  run: Runner,
): Promise<void> {
  const { reproduceRecipe } = await import("../../train/recipe.js");
  let maxSteps: number | undefined;
  if (flags.steps !== undefined) {
    maxSteps = Number(flags.steps);
    if (!/^[1-9][0-9]*$/.test(flags.steps))
      throw new LlmopsError("usage", `--steps must be a positive integer (got '${flags.steps}').`);
  }
  let outcome: ReproduceResult | undefined;
  await run(
    async (o) => {
      outcome = await reproduceRecipe({
        ...o,
        recipeFile: path.resolve(recipeFile),
        config,
        ...(flags.out ? { outDir: flags.out } : {}),
        ...(maxSteps !== undefined ? { maxSteps } : {}),
        writeLock: flags.writeLock,
      });
      return outcome.train;
    },
    async () => {
      const r = outcome as ReproduceResult;
      if (wantsJson(command)) {
        printJson({
          run: r.train.run.id,
          status: r.train.status,
          steps: r.train.steps,
          loss: r.train.loss,
          valLoss: r.train.valLoss,
          valPerplexity: r.train.valPerplexity,
          valAccuracy: r.train.valAccuracy,
          tokensPerS: r.train.tokensPerS,
          outputDir: r.train.outputDir,
          gguf: r.gguf,
          lockFile: r.lockFile,
          lockWritten: r.written !== null,
          checks: r.checks,
          reproduced: r.reproduced,
        });
      } else {
        const t = r.train;
        const f = (v: number | null, d = 4): string => (v === null ? "-" : v.toFixed(d));
        const lines = [
          `run ${t.run.id} ${t.status} after ${t.steps} steps: loss ${f(t.loss)}, val loss ${f(t.valLoss)}, ` +
            `val perplexity ${f(t.valPerplexity, 2)}, ${Math.round(t.tokensPerS)} tokens/s`,
          `output ${t.outputDir}`,
        ];
        if (r.gguf) lines.push(`gguf   ${r.gguf.file} (${formatBytes(r.gguf.bytes)})`, `sha256 ${r.gguf.sha256}`);
        else lines.push(`gguf   not written (stopped after ${t.steps} of ${config.train.steps} steps)`);
        if (r.written) lines.push(`lock   written to ${r.lockFile}`);
        else if (r.lockFile) {
          lines.push(`lock   ${r.lockFile}`);
          for (const c of r.checks)
            lines.push(
              c.ok
                ? `  ok       ${c.what}: ${c.actual}`
                : `  DIFFERS  ${c.what}: ${c.actual} (recorded: ${c.expected})`,
            );
          lines.push(r.reproduced ? "reproduced: yes" : "reproduced: NO");
        } else lines.push("lock   none (add export.lock to the recipe and run with --write-lock to record one)");
        process.stdout.write(`${lines.join("\n")}\n`);
      }
      if (r.reproduced === false || r.train.status === "diverged" || r.train.status === "failed") process.exitCode = 1;
    },
  );
}
