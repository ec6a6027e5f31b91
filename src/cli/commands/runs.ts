// `llmops runs …`: training runs (built-in and external): list, show with a loss curve, compare.
import type { Command } from "commander";
import { jsonOption, wantsJson, withPlatform } from "../context.js";
import { printJson, printTable } from "../output.js";

export function registerRunsCommands(program: Command): void {
  const runs = program.command("runs").description("training runs: parameters, metrics, convergence events");

  jsonOption(
    runs
      .command("list")
      .description("most recent runs first")
      .option("-n, --limit <n>", "how many", "50")
      .option("--status <status>", "only runs with this status (running, completed, failed, stopped, diverged)"),
  ).action(
    withPlatform(async (platform, command) => {
      const { RunStore, RUN_STATUSES } = await import("../../train/runs.js");
      const { invalidRequest } = await import("../../errors.js");
      const o = command.opts<{ limit: string; status?: string }>();
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit < 1) throw invalidRequest("--limit must be a positive integer", "limit");
      const status = o.status as (typeof RUN_STATUSES)[number] | undefined;
      if (status && !RUN_STATUSES.includes(status))
        throw invalidRequest(`--status must be one of ${RUN_STATUSES.join(", ")}`, "status");
      const list = await new RunStore(platform.store).list({ limit, status });
      if (wantsJson(command)) return printJson(list);
      printTable(list, {
        ID: (r) => r.id,
        NAME: (r) => r.name ?? "",
        STATUS: (r) => r.status,
        SOURCE: (r) => r.source,
        STEP: (r) => r.summary.step ?? "",
        LOSS: (r) => (typeof r.summary.loss === "number" ? r.summary.loss.toFixed(4) : ""),
        VAL_LOSS: (r) => (typeof r.summary.val_loss === "number" ? r.summary.val_loss.toFixed(4) : ""),
        CREATED: (r) => r.createdAt,
      });
    }),
  );

  jsonOption(
    runs
      .command("show")
      .description("a run's recipe, provenance, loss curve and events")
      .argument("<run>", "run id (or a unique prefix of 6+ characters)")
      .option("--width <n>", "plot width in columns", "60"),
  ).action(
    withPlatform(async (platform, command, ref: string) => {
      const { RunStore } = await import("../../train/runs.js");
      const { renderRun } = await import("../../train/report.js");
      const store = new RunStore(platform.store);
      const run = await store.get(ref);
      const [metrics, events] = [await store.metrics(run.id), await store.events(run.id)];
      if (wantsJson(command)) return printJson({ run, metrics, events });
      const width = Math.min(200, Math.max(20, Number(command.opts<{ width: string }>().width) || 60));
      process.stdout.write(renderRun(run, metrics, events, width));
    }),
  );

  jsonOption(
    runs
      .command("compare")
      .description("two runs side by side: final and best losses, accuracy, speed, differing parameters")
      .argument("<a>", "first run id")
      .argument("<b>", "second run id"),
  ).action(
    withPlatform(async (platform, command, refA: string, refB: string) => {
      const { RunStore } = await import("../../train/runs.js");
      const { renderCompare, runHeadline } = await import("../../train/report.js");
      const store = new RunStore(platform.store);
      const a = await store.get(refA);
      const b = await store.get(refB);
      const am = await store.metrics(a.id);
      const bm = await store.metrics(b.id);
      if (wantsJson(command))
        return printJson({ a: { run: a, headline: runHeadline(am) }, b: { run: b, headline: runHeadline(bm) } });
      process.stdout.write(renderCompare(a, am, b, bm));
    }),
  );
}
