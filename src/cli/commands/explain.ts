// `llmops explain`: which parts of a prompt made the model continue the way it did — attributions
// per token, word or sentence, with faithfulness numbers, as a table, JSON or a self-contained
// HTML heatmap. Runs the model here (llama.cpp; gradient methods also load its weights), or asks a
// worker or any OpenAI-compatible endpoint that returns prompt log-probabilities (--endpoint).
import { existsSync, statSync } from "node:fs";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import pc from "picocolors";
import { LlmopsError } from "../../errors.js";
import { configFrom, jsonOption, runAction, wantsJson } from "../context.js";
import { printJson, printTable } from "../output.js";

interface ExplainFlags {
  model: string;
  prompt?: string;
  promptFile?: string;
  target?: string;
  method: string;
  group: string;
  samples?: string;
  seed: string;
  budget?: string;
  maxTokens: string;
  format?: string;
  output?: string;
  endpoint?: string;
  apiKey?: string;
  worker?: boolean;
  threads: string;
  curveSteps: string;
  randomOrders: string;
  progress: boolean;
}

function int(value: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new LlmopsError("usage", `${flag} must be a whole number from ${min} to ${max}, not '${value}'.`, {
      param: flag,
    });
  return n;
}

/** One-line progress bar on stderr, only at a terminal. */
function progressBar(enabled: boolean): {
  update(p: { phase: string; calls: number; planned: number }): void;
  done(): void;
} {
  const tty = enabled && process.stderr.isTTY === true;
  let shown = false;
  return {
    update({ phase, calls, planned }) {
      if (!tty) return;
      const total = Number.isFinite(planned) && planned > 0 ? planned : calls;
      const frac = Math.min(1, total > 0 ? calls / total : 0);
      const width = 28;
      const fill = Math.round(frac * width);
      process.stderr.write(
        `\r${pc.dim(phase.padEnd(12))} [${"#".repeat(fill)}${".".repeat(width - fill)}] ${calls}/${total} evaluations `,
      );
      shown = true;
    },
    done() {
      if (tty && shown) process.stderr.write("\r\x1b[2K");
    },
  };
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, text);
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw new LlmopsError("invalid_request", `Cannot write ${file}: ${(error as Error).message}`, {
      param: "--output",
    });
  }
}

export function registerExplainCommand(program: Command): void {
  jsonOption(
    program
      .command("explain")
      .description(
        "explain which parts of a prompt made the model write its continuation: attributions per token, word or " +
          "sentence for log p(target | prompt), with deletion/insertion faithfulness (AOPC) against random rankings",
      )
      .requiredOption(
        "-m, --model <ref|file>",
        "a registered version (name, name@alias, name@3), a .gguf file, or with --endpoint the model name to send",
      )
      .option("-p, --prompt <text>", "the prompt to explain")
      .option("--prompt-file <file>", "read the prompt from a UTF-8 file instead")
      .option("-t, --target <text>", "the continuation to explain (default: the model's own greedy output)")
      .option(
        "--method <name>",
        "occlusion | lime | kernelshap | shapley (exact, ≤12 features) | ig | ig-riemann | gradxinput | attention | random",
        "occlusion",
      )
      .option("--group <unit>", "token | word | sentence (Chinese words by ICU's dictionary)", "word")
      .option(
        "--samples <n>",
        "LIME/KernelSHAP samples (default 200/256); integrated gradients: most steps (default 64)",
      )
      .option("--seed <n>", "seed for sampling methods and the random baseline", "0")
      .option("--budget <calls>", "most model evaluations for the whole explanation (cache hits are free)")
      .option("--max-tokens <n>", "length of the greedy target when --target is not given", "16")
      .option("--format <format>", "table | json | html (default: table, or html when --output ends in .html)")
      .option("-o, --output <file>", "write the result to a file (atomically) instead of stdout")
      .option(
        "--endpoint <url>",
        "score through an OpenAI-compatible server (base URL with /v1) instead of loading the model here",
      )
      .option("--api-key <key>", "API key for --endpoint (or LLMOPS_EXPLAIN_API_KEY)")
      .option("--worker", "the --endpoint is an llmops worker: use its batched /v1/score")
      .option("--threads <n>", "CPU threads for llama.cpp", "1")
      .option("--curve-steps <n>", "points on each faithfulness curve", "20")
      .option("--random-orders <n>", "random rankings to compare the faithfulness with", "2")
      .option("--no-progress", "no progress bar on stderr"),
  ).action(
    runAction(async (command) => {
      const o = command.opts<ExplainFlags>();
      if ((o.prompt === undefined) === (o.promptFile === undefined))
        throw new LlmopsError("usage", "Give the prompt with --prompt TEXT or --prompt-file FILE (one of them).", {
          param: "--prompt",
        });
      const prompt =
        o.prompt ??
        (await readFile(o.promptFile as string, "utf8").catch((error: unknown) => {
          throw new LlmopsError("not_found", `Cannot read --prompt-file ${o.promptFile}: ${(error as Error).message}`, {
            param: "--prompt-file",
          });
        }));
      const { GROUPINGS, METHOD_NAMES, explain, renderHtml } = await import("../../explain/index.js");
      if (!METHOD_NAMES.includes(o.method))
        throw new LlmopsError("usage", `--method must be one of ${METHOD_NAMES.join(", ")}, not '${o.method}'.`, {
          param: "--method",
        });
      if (!(GROUPINGS as readonly string[]).includes(o.group))
        throw new LlmopsError("usage", `--group must be token, word or sentence, not '${o.group}'.`, {
          param: "--group",
        });
      const format =
        o.format ?? (wantsJson(command) ? "json" : o.output?.toLowerCase().endsWith(".html") ? "html" : "table");
      if (!["table", "json", "html"].includes(format))
        throw new LlmopsError("usage", `--format must be table, json or html, not '${format}'.`, { param: "--format" });
      const samples = int(o.samples, "--samples", 1, 100_000);
      const seed = int(o.seed, "--seed", 0, 2 ** 31 - 1) as number;
      const budget = int(o.budget, "--budget", 1, 10_000_000);
      const maxTokens = int(o.maxTokens, "--max-tokens", 1, 1024) as number;
      const threads = int(o.threads, "--threads", 1, 256) as number;
      const curveSteps = int(o.curveSteps, "--curve-steps", 1, 1000) as number;
      const randomOrders = int(o.randomOrders, "--random-orders", 0, 100) as number;

      const { openEndpoint, openLocalModel } = await import("../../explain/access.js");
      let access: Awaited<ReturnType<typeof openLocalModel>>;
      let modelName: string;
      if (o.endpoint) {
        const apiKey = o.apiKey ?? process.env.LLMOPS_EXPLAIN_API_KEY;
        access = await openEndpoint({
          baseUrl: o.endpoint,
          model: o.model,
          worker: o.worker === true,
          ...(apiKey ? { apiKey } : {}),
        });
        modelName = o.model;
      } else {
        const isFile = o.model.endsWith(".gguf") || (existsSync(o.model) && statSync(o.model).isFile());
        let file: string;
        if (isFile) {
          file = path.resolve(o.model);
          modelName = path.basename(file, ".gguf");
        } else {
          const { openPlatform } = await import("../../platform/open.js");
          const platform = await openPlatform(configFrom(command));
          try {
            const version = await platform.registry.resolve(o.model);
            file = await platform.artifacts.localPath(version.artifactHash);
            modelName = version.ref;
          } finally {
            await platform.close();
          }
        }
        access = await openLocalModel(file, modelName, { threads });
      }
      const bar = progressBar(o.progress !== false && !wantsJson(command));
      let result: Awaited<ReturnType<typeof explain>>;
      try {
        result = await explain({
          scorer: access.scorer,
          model: modelName,
          prompt,
          ...(o.target !== undefined ? { target: o.target } : {}),
          method: o.method,
          group: o.group as (typeof GROUPINGS)[number],
          ...(samples !== undefined ? { samples } : {}),
          seed,
          ...(budget !== undefined ? { budget } : {}),
          maxTokens,
          curveSteps,
          randomOrders,
          ...(access.gradients ? { gradients: access.gradients } : {}),
          onProgress: (p) => bar.update(p),
        });
      } finally {
        bar.done();
        await access.close();
      }
      const text =
        format === "json" ? `${JSON.stringify(result, null, 2)}\n` : format === "html" ? renderHtml(result) : null;
      if (o.output) {
        await writeAtomically(o.output, text ?? `${JSON.stringify(result, null, 2)}\n`);
        if (wantsJson(command))
          printJson({ output: path.resolve(o.output), summary: result.summary, cost: result.cost });
        else process.stdout.write(`${result.summary}\nwrote ${o.output}\n`);
        return;
      }
      if (text !== null) {
        process.stdout.write(text);
        return;
      }
      process.stdout.write(
        `${pc.bold("model")} ${result.model}  ${pc.bold("method")} ${result.method}  ${pc.bold("target")} ${JSON.stringify(result.target)} (${result.targetSource})\n\n`,
      );
      const max = Math.max(1e-12, ...result.features.map((f) => Math.abs(f.score)));
      printTable(result.features, {
        "#": (f) => f.index,
        [result.group]: (f) => JSON.stringify(f.text),
        score: (f) => `${f.score >= 0 ? "+" : ""}${f.score.toFixed(3)}`,
        "": (f) => {
          const n = Math.round((10 * Math.abs(f.score)) / max);
          return f.score >= 0 ? pc.red("█".repeat(n)) : pc.blue("█".repeat(n));
        },
      });
      const fa = result.faithfulness;
      const r = fa.random;
      process.stdout.write(
        `\nfaithfulness  deletion AOPC ${fa.deletion.aopc.toFixed(3)}${r ? ` (random ${r.deletionAopc.toFixed(3)})` : ""}` +
          `  insertion AOPC ${fa.insertion.aopc.toFixed(3)}${r ? ` (random ${r.insertionAopc.toFixed(3)})` : ""}\n`,
      );
      for (const [name, c] of Object.entries(result.checks))
        process.stdout.write(
          `check         ${name}: ${c.ok ? pc.green("ok") : pc.yellow("off")} (${c.actual.toFixed(4)} vs ${c.expected.toFixed(4)}, ${(c.relativeError * 100).toFixed(2)}%)\n`,
        );
      process.stdout.write(
        `cost          ${result.cost.calls} evaluations, ${result.cost.cacheHits} cache hits, ${result.cost.seconds.toFixed(2)} s${result.truncated ? pc.yellow(" (cut short by the budget)") : ""}\n`,
      );
      for (const n of result.notes) process.stdout.write(`${pc.yellow("note")}          ${n}\n`);
      process.stdout.write(`\n${result.summary}\n`);
    }),
  );
}
