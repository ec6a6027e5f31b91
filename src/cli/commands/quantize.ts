// `llmops quantize N@V --type q8_0|q4_0`: register a Q8_0/Q4_0 version of an F32/F16 model and print
// the trade-off against the source (size, perplexity on a fixed text, generation speed).
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import pc from "picocolors";
import { LlmopsError } from "../../errors.js";
import { cliActor, jsonOption, wantsJson, withPlatform } from "../context.js";
import { formatBytes, printJson, printTable } from "../output.js";

interface QuantizeFlags {
  type: string;
  eval?: string;
  alias?: string;
  threads: string;
}

export function registerQuantizeCommand(program: Command): void {
  jsonOption(
    program
      .command("quantize <model>")
      .description(
        "register a quantised version (Q8_0 or Q4_0) of an F32/F16 model version and measure the trade-off: " +
          "file size, perplexity and greedy tokens/s against the source. Targets: Q8_0 within 1% of the " +
          "source's perplexity, Q4_0 within 10%. Without --eval the text is a fixed sample (the last ~4 KB " +
          "of data/corpora/kjv-genesis.txt and tang-poems.txt); it is held out only if your model did not train on it.",
      )
      .requiredOption("-t, --type <type>", "q8_0 or q4_0")
      .option("--eval <file>", "UTF-8 text to measure perplexity on (default: the bundled fixed sample)")
      .option("--alias <alias>", "point this alias at the new version")
      .option("--threads <n>", "CPU threads for the measurements", "1"),
  ).action(
    withPlatform(async (platform, command, ref: string) => {
      const o = command.opts<QuantizeFlags>();
      const threads = Number(o.threads);
      if (!Number.isInteger(threads) || threads < 1 || threads > 256)
        throw new LlmopsError("usage", `--threads must be a whole number from 1 to 256, not '${o.threads}'`, {
          param: "--threads",
        });
      const { parseQuantType, quantizeWithTradeoff } = await import("../../train/quantize.js");
      parseQuantType(o.type); // fail on a bad --type before reading anything
      let evalText: string | undefined;
      if (o.eval !== undefined) {
        evalText = await readFile(o.eval, "utf8").catch((error: unknown) => {
          throw new LlmopsError("not_found", `Cannot read --eval file ${o.eval}: ${(error as Error).message}`, {
            param: "--eval",
          });
        });
      }
      const report = await quantizeWithTradeoff(platform, {
        ref,
        type: o.type,
        alias: o.alias,
        actor: cliActor(),
        ...(evalText !== undefined ? { evalText } : {}),
        measure: { threads },
      });
      if (wantsJson(command)) return printJson(report);
      process.stdout.write(
        `${pc.green("registered")} ${pc.bold(report.version.ref)} (${report.target.type}, from ${report.rows[0].ref})\n\n`,
      );
      printTable(report.rows, {
        type: (r) => r.type,
        model: (r) => r.ref,
        size: (r) => formatBytes(r.sizeBytes),
        "size ratio": (r) => r.sizeRatio.toFixed(3),
        perplexity: (r) => r.perplexity.toFixed(3),
        "Δ%": (r) => `${r.perplexityDeltaPct >= 0 ? "+" : ""}${r.perplexityDeltaPct.toFixed(2)}`,
        "tok/s": (r) => `${r.tokensPerSecond.toFixed(1)} (${r.generatedTokens} tok)`,
        "speed ratio": (r) => r.speedRatio.toFixed(2),
      });
      const t = report.target;
      const verdict = t.met ? pc.green("met") : pc.yellow("missed");
      process.stdout.write(
        `\nperplexity on ${report.evalTokens} tokens; target for ${t.type}: within ${t.maxPerplexityDeltaPct}% of the source — ${verdict}\n`,
      );
    }),
  );
}
