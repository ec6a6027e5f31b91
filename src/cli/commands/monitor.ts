// `llmops monitor …`: drift checks and alert rules (docs/monitoring.md).
import type { Command } from "commander";
import pc from "picocolors";
import { LlmopsError } from "../../errors.js";
import { configFrom, jsonOption, runAction, wantsJson, withPlatform } from "../context.js";
import { printJson, printTable } from "../output.js";

const fmt = (v: number | null) => (v === null ? "-" : v < 0.001 && v > 0 ? v.toExponential(2) : v.toFixed(4));

export function registerMonitorCommands(program: Command): void {
  const monitor = program.command("monitor").description("drift detection and alert rules");

  jsonOption(
    monitor
      .command("drift")
      .description("the latest drift check (reference window vs current window), or run one now with --run")
      .option("--run", "run a check now over the stored features (and store it) instead of showing the last one")
      .option("--history <n>", "also list this many earlier checks", "0")
      .option("--fail-on-drift", "exit 1 when the check found drift (for scripts and CI)"),
  ).action(
    withPlatform(async (platform, command) => {
      const [{ runDriftCheck }, { driftConfig }, { driftHistory, saveDriftCheck }] = await Promise.all([
        import("../../monitor/drift/check.js"),
        import("../../monitor/drift/config.js"),
        import("../../monitor/drift/store.js"),
      ]);
      const o = command.opts<{ run?: boolean; history: string; failOnDrift?: boolean }>();
      const history = Number(o.history);
      if (!Number.isInteger(history) || history < 0 || history > 1000) {
        throw new LlmopsError("usage", `--history '${o.history}' must be a whole number from 0 to 1000`);
      }
      const config = driftConfig(platform.config.monitoring);
      let latest = o.run ? await runDriftCheck(platform.store, config) : undefined;
      if (latest !== undefined) await saveDriftCheck(platform.store, latest, config.keep_checks);
      const stored = await driftHistory(platform.store, history + 1);
      latest ??= stored[0];
      const earlier = stored.filter((r) => r.id !== latest?.id).slice(0, history);
      if (wantsJson(command)) printJson({ latest: latest ?? null, history: earlier });
      else if (latest === undefined) {
        process.stdout.write(
          "No drift check has run yet: `llmops up` runs one every monitoring.drift.interval, or run one now with --run.\n",
        );
      } else {
        process.stdout.write(
          `${latest.drifted ? pc.red("drift detected") : pc.green("no drift")} at ${latest.at}: ` +
            `reference ${latest.reference.n} requests (${latest.reference.from} → ${latest.reference.to}), ` +
            `current ${latest.current.n} (${latest.current.from} → ${latest.current.to})\n`,
        );
        printTable(latest.features, {
          FEATURE: (f) => f.feature,
          TEST: (f) => f.test ?? "-",
          SCORE: (f) => fmt(f.score),
          THRESHOLD: (f) => fmt(f.threshold),
          DRIFT: (f) =>
            f.status === "insufficient_data" ? `too few (${f.reference_n}/${f.current_n})` : f.drifted ? "yes" : "no",
        });
        if (earlier.length > 0) {
          process.stdout.write("\nEarlier checks:\n");
          printTable(earlier, {
            AT: (r) => r.at,
            DRIFT: (r) =>
              r.drifted
                ? r.features
                    .filter((f) => f.drifted)
                    .map((f) => f.feature)
                    .join(",")
                : "no",
            REFERENCE: (r) => r.reference.n,
            CURRENT: (r) => r.current.n,
          });
        }
      }
      if (o.failOnDrift && latest?.drifted) process.exitCode = 1;
    }),
  );

  const alerts = monitor.command("alerts").description("alert rules on latency, errors, budgets and drift");
  alerts
    .command("render-prometheus")
    .description(
      "print the alert rules as Prometheus alerting rules (YAML), e.g. > deploy/prometheus/llmops-alerts.yaml",
    )
    .option(
      "--rules <file>",
      "a rules file (`rules:` and `webhook:`, or an `alerts:` section); default: llmops.yaml's alerts, else the built-in defaults",
    )
    .action(
      runAction(async (command) => {
        const [{ DEFAULT_RULES, loadAlertsFile, parseAlerts }, { renderPrometheusRules }] = await Promise.all([
          import("../../monitor/alerts/rules.js"),
          import("../../monitor/alerts/prometheus.js"),
        ]);
        const o = command.opts<{ rules?: string }>();
        let rules = o.rules === undefined ? configFrom(command).alerts : await loadAlertsFile(o.rules);
        if (rules === undefined || rules.rules.length === 0) {
          if (o.rules !== undefined) throw new LlmopsError("usage", `${o.rules} has no rules; add a rules: list`);
          rules = parseAlerts(DEFAULT_RULES, "built-in rules");
        }
        process.stdout.write(renderPrometheusRules(rules));
      }),
    );

  jsonOption(
    alerts
      .command("check")
      .description("validate a rules file and list its rules (exit 2 when it is invalid)")
      .requiredOption("--rules <file>", "the rules file"),
  ).action(
    runAction(async (command) => {
      const { loadAlertsFile } = await import("../../monitor/alerts/rules.js");
      const rules = await loadAlertsFile(command.opts<{ rules: string }>().rules);
      if (wantsJson(command)) return printJson(rules);
      printTable(rules.rules, {
        NAME: (r) => r.name,
        METRIC: (r) => r.metric + (r.feature ? `{${r.feature}}` : ""),
        ABOVE: (r) => r.above ?? "-",
        FOR: (r) => `${r.for / 1000}s`,
        SEVERITY: (r) => r.severity,
      });
      if (rules.webhook) process.stdout.write(`webhook: ${rules.webhook.url}\n`);
    }),
  );
}
