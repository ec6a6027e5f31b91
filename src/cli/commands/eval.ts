// `llmops eval SUITE --model N@V [--baseline N@production] [--gate] …` runs an evaluation suite and
// stores the run; `llmops evals list|show|assertions` reads stored runs and lists assertion types.
// The work lives in src/eval; this file parses, wires providers to the platform and prints.
import { rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { type Command, InvalidArgumentError } from "commander";
import pc from "picocolors";
import { LlmopsError } from "../../errors.js";
import { cliActor, jsonOption, runAction, wantsJson, withPlatform } from "../context.js";
import { EXIT_FAILED, printJson, printTable } from "../output.js";

interface EvalOptions {
  model?: string;
  baseline?: string;
  repeat?: number;
  concurrency: number;
  gate?: boolean;
  format?: string;
  output?: string;
  resume?: string | boolean;
  cache: boolean;
  baseUrl?: string;
  apiKeyEnv?: string;
  threads: number;
  set: Record<string, string>;
}

function positiveInt(name: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > max)
      throw new InvalidArgumentError(`${name} must be an integer from 1 to ${max}.`);
    return n;
  };
}

function collectSettings(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError(`use key=value, not '${value}'.`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/** Writes a report atomically (temp file + rename): a failed run never leaves half a file. */
async function writeReport(file: string, text: string): Promise<void> {
  const target = path.resolve(file);
  const temp = `${target}.${process.pid}.tmp`;
  await writeFile(temp, text);
  await rename(temp, target);
}

export function registerEvalCommands(program: Command): void {
  jsonOption(
    program
      .command("eval [suite]")
      .description("run an evaluation suite (YAML file or builtin:NAME) against a model; store and report the run")
      .option(
        "-m, --model <ref>",
        "model under test: NAME@VERSION, NAME@ALIAS or openai:MODEL (default: the suite's first provider)",
      )
      .option("-b, --baseline <ref>", "compare with this model (e.g. NAME@production)")
      .option("-r, --repeat <k>", "run every test K times (flaky-model statistics)", positiveInt("--repeat", 1000))
      .option("-c, --concurrency <n>", "calls in flight at once", positiveInt("--concurrency", 256), 4)
      .option("--gate", "exit 1 when the pass rate is under the suite's threshold or the candidate regresses")
      .option(
        "-f, --format <format>",
        "report format: table, json, md, html or junit (default table, or from --output's extension)",
      )
      .option("-o, --output <file>", "write the report to a file (the terminal still gets the summary)")
      .option(
        "--resume [run]",
        "resume an interrupted run (default: the latest interrupted run of the same suite and models)",
      )
      .option("--no-resume", "always start a new run")
      .option("--no-cache", "call the model even when an identical call is cached")
      .option("--base-url <url>", "reach registered models through this gateway (…/v1) instead of workers")
      .option("--api-key-env <name>", "environment variable holding the gateway key (default LLMOPS_API_KEY)")
      .option("--threads <n>", "threads of a worker started for the run", positiveInt("--threads", 64), 1)
      .option("--set <key=value>", "setting for a built-in suite's analysis (repeatable)", collectSettings, {}),
  ).action(
    withPlatform(async (platform, command, suiteArg: string | undefined) => {
      const o = command.opts<EvalOptions>();
      const json = wantsJson(command);
      const [
        { loadSuite, prepareSuite },
        { runEval },
        { EvalStore },
        { EvalCache },
        providers,
        reports,
        { ProgressBar },
        { liveWorkers },
      ] = await Promise.all([
        import("../../eval/suite.js"),
        import("../../eval/run.js"),
        import("../../eval/store.js"),
        import("../../eval/cache.js"),
        import("../../eval/providers/index.js"),
        import("../../eval/report/index.js"),
        import("../../eval/progress.js"),
        import("../../platform/workers.js"),
      ]);
      const evals = new EvalStore(platform.store);
      let suite: Awaited<ReturnType<typeof loadSuite>>;
      let candidateRef = o.model;
      let baselineRef = o.baseline;
      let resume: string = o.resume === false ? "never" : "auto";
      let gate = o.gate === true;
      let repeat = o.repeat;
      if (typeof o.resume === "string") {
        // An explicit run: its own suite snapshot, models and options, whatever the command line says.
        const run = await evals.get(o.resume);
        const stored = run.options as typeof run.options & { baseDir?: string; settings?: Record<string, string> };
        // A built-in suite's analysis is code, not data: take it from the built-in, the tests from the snapshot.
        const { loadBuiltinSuite } = await import("../../eval/builtin/index.js");
        const builtin = run.suiteName.startsWith("builtin:")
          ? loadBuiltinSuite(run.suiteName.slice("builtin:".length), stored.settings ?? {})
          : undefined;
        suite = prepareSuite(await evals.suiteOf(run.id), {
          name: run.suiteName,
          baseDir: stored.baseDir ?? process.cwd(),
          builtin,
        });
        o.set = { ...stored.settings, ...o.set };
        candidateRef = run.candidate;
        baselineRef = run.baseline ?? undefined;
        gate = run.gated;
        repeat = stored.repeat ?? undefined;
        resume = run.id;
      } else {
        if (!suiteArg) throw new LlmopsError("usage", "Name a suite file (or builtin:NAME), or --resume RUN.");
        suite = await loadSuite(suiteArg, { settings: o.set });
      }
      const first = suite.suite.providers?.[0];
      const candidateSpec = candidateRef ?? first;
      if (!candidateSpec) {
        throw new LlmopsError(
          "usage",
          "Say which model to evaluate: --model NAME@VERSION (or list providers: in the suite).",
        );
      }
      const factory = {
        registered: {
          registry: platform.registry,
          findWorkers: async (name: string, version: number) =>
            (await liveWorkers(platform.store, { modelName: name, modelVersion: version })).map((w) => w.url),
          artifacts: platform.artifacts,
          baseUrl: o.baseUrl,
          apiKeyEnv: o.apiKeyEnv,
          threads: o.threads,
        },
        defaults: suite.suite.options,
        connections: o.concurrency,
      };
      const opened: Array<{ close(): Promise<void> }> = [];
      const extra = new Map<string, Promise<import("../../eval/types.js").Provider>>();
      const controller = new AbortController();
      const onSignal = () => {
        if (controller.signal.aborted) process.exit(130);
        process.stderr.write("\ninterrupted: saving finished results (Ctrl-C again to quit at once)\n");
        controller.abort();
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      const bar = new ProgressBar(`eval ${suite.name}`);
      try {
        const candidate = await providers.createProvider(candidateSpec, factory);
        opened.push(candidate);
        const baseline = baselineRef ? await providers.createProvider(baselineRef, factory) : null;
        if (baseline) opened.push(baseline);
        const outcome = await runEval({
          suite,
          candidate: { ref: typeof candidateSpec === "string" ? candidateSpec : candidateSpec.id, provider: candidate },
          baseline: baseline && baselineRef ? { ref: baselineRef, provider: baseline } : null,
          evals,
          cache: o.cache ? new EvalCache(platform.store) : null,
          concurrency: o.concurrency,
          repeat,
          gate,
          actor: cliActor(),
          resume,
          baseUrl: o.baseUrl ?? null,
          settings: o.set,
          signal: controller.signal,
          getProvider: (spec) => {
            const key = providers.providerKey(spec);
            let p = extra.get(key);
            if (!p) {
              p = providers.createProvider(spec, factory).then((provider) => {
                opened.push(provider);
                return provider;
              });
              extra.set(key, p);
            }
            return p;
          },
          onStart: (run, info) => {
            if (info.resumedCells > 0) {
              process.stderr.write(
                `resuming eval run ${run.id}: ${info.resumedCells}/${info.totalCells} calls already done\n`,
              );
            }
          },
          onProgress: (p) => bar.update(p.done, p.total, p.failed),
        });
        bar.done();
        const report = reports.buildReport(outcome.run, outcome.results);
        const format =
          o.format ?? (o.output ? reports.formatFromFile(o.output) : undefined) ?? (json ? "json" : "table");
        if (!reports.isReportFormat(format) && format !== "markdown") {
          throw new LlmopsError("usage", `Unknown --format '${format}'; use table, json, md, html or junit.`);
        }
        if (o.output) {
          await writeReport(o.output, reports.renderReport(report, format));
          if (json) printJson(report);
          else {
            process.stdout.write(reports.renderReport(report, "table"));
            process.stdout.write(pc.dim(`report written to ${o.output} (${format})\n`));
          }
        } else {
          process.stdout.write(reports.renderReport(report, json ? "json" : format));
        }
        if (gate && !outcome.summary.gate.pass) {
          process.stderr.write(
            `${pc.red("gate failed:")} ${outcome.summary.gate.reasons.join("; ")} (eval run ${outcome.run.id})\n`,
          );
          process.exitCode = EXIT_FAILED;
        }
      } finally {
        bar.done();
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        await Promise.all(opened.map((p) => p.close().catch(() => undefined)));
      }
    }),
  );

  const evalsGroup = program.command("evals").description("stored evaluation runs: list, show, assertion types");

  jsonOption(
    evalsGroup
      .command("list")
      .description("list eval runs, newest first")
      .option("-m, --model <ref>", "only runs of this model (NAME or NAME@VERSION)")
      .option("-n, --limit <n>", "how many", positiveInt("--limit", 1000), 50),
  ).action(
    withPlatform(async (platform, command) => {
      const o = command.opts<{ model?: string; limit: number }>();
      const { EvalStore } = await import("../../eval/store.js");
      let model = o.model;
      // NAME@ALIAS means the version the alias points at now.
      if (model?.includes("@") && !/@\d+$/.test(model)) model = (await platform.registry.resolve(model)).ref;
      const runs = await new EvalStore(platform.store).list({ limit: o.limit, ...(model ? { model } : {}) });
      if (wantsJson(command)) return printJson(runs);
      const rate = (r: (typeof runs)[number]) => {
        const s = r.summary as { candidate?: { overall?: { passRate?: number } } } | null;
        const p = s?.candidate?.overall?.passRate;
        return p === undefined ? "-" : `${(p * 100).toFixed(1)}%`;
      };
      printTable(runs, {
        ID: (r) => r.id,
        SUITE: (r) => r.suiteName,
        MODEL: (r) => r.candidateId.replace(/^llmops:/, ""),
        BASELINE: (r) => r.baselineId?.replace(/^llmops:/, "") ?? null,
        STATUS: (r) => r.status,
        "PASS RATE": rate,
        GATE: (r) => (r.gatePass === null ? "-" : `${r.gatePass ? "pass" : "fail"}${r.gated ? "" : " (info)"}`),
        CREATED: (r) => r.createdAt,
      });
    }),
  );

  jsonOption(
    evalsGroup
      .command("show <run>")
      .description("show a stored eval run as a report (holdout tests only in aggregate)")
      .option("-f, --format <format>", "table, json, md, html or junit", "table")
      .option("-o, --output <file>", "write the report to a file"),
  ).action(
    withPlatform(async (platform, command, id: string) => {
      const o = command.opts<{ format: string; output?: string }>();
      const { EvalStore } = await import("../../eval/store.js");
      const reports = await import("../../eval/report/index.js");
      const evals = new EvalStore(platform.store);
      const run = await evals.get(id);
      const report = reports.buildReport(run, await evals.results(run.id));
      const format = wantsJson(command) ? "json" : o.format;
      const text = reports.renderReport(report, format);
      if (o.output) await writeReport(o.output, text);
      else process.stdout.write(text);
    }),
  );

  jsonOption(evalsGroup.command("assertions").description("list the assertion types suites can use")).action(
    runAction(async (command) => {
      const { assertionTypes } = await import("../../eval/assertions/index.js");
      const types = assertionTypes();
      if (wantsJson(command)) return printJson(types);
      printTable(types, { TYPE: (t) => t.type, DESCRIPTION: (t) => t.description });
    }),
  );
}
