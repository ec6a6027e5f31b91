// `llmops models rollout …`: canary splits, shadow traffic and blue/green switches of an alias, with
// the SLO the gateway enforces by rolling back automatically. The records live in the registry
// (src/registry/rollouts.ts); gateways pick changes up within a second.
import { type Command, InvalidArgumentError } from "commander";
import pc from "picocolors";
import { LlmopsError } from "../../errors.js";
import type { Platform } from "../../platform/open.js";
import type { Rollout, RolloutKind } from "../../registry/rollouts.js";
import { durationMs } from "../../util/duration.js";
import { cliActor, jsonOption, wantsJson, withPlatform } from "../context.js";
import { printFields, printJson, printTable } from "../output.js";

function number(flag: string, min: number, max: number) {
  return (text: string): number => {
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value) || value < min || value > max) {
      throw new InvalidArgumentError(`${flag} must be a number from ${min} to ${max}.`);
    }
    return value;
  };
}

/** `60s`, `5m`, `1h` or plain milliseconds. */
function duration(text: string): number {
  const ms = /^\s*\d+(?:\.\d+)?\s*$/.test(text) ? Number(text) : durationMs(text);
  if (!Number.isFinite(ms)) throw new InvalidArgumentError("use a duration such as 60s, 5m, 1h or 30000 (ms).");
  return Math.round(ms);
}

async function store(platform: Platform) {
  const { RolloutStore } = await import("../../registry/rollouts.js");
  return new RolloutStore(platform.store, platform.registry);
}

function describe(rollout: Rollout): string {
  const split =
    rollout.kind === "canary"
      ? `${100 - rollout.percent}% ${rollout.stable} / ${rollout.percent}% ${rollout.candidate}`
      : rollout.kind === "shadow"
        ? `${rollout.stable} serves, ${rollout.percent}% mirrored to ${rollout.candidate}`
        : `blue ${rollout.stable} / green ${rollout.candidate}`;
  return `${rollout.kind} of ${rollout.model}@${rollout.alias}: ${split} [${rollout.state}]`;
}

function printRollout(rollout: Rollout): void {
  printFields({
    rollout: rollout.id,
    alias: `${rollout.model}@${rollout.alias}`,
    kind: rollout.kind,
    state: rollout.state,
    stable: rollout.stable,
    candidate: rollout.candidate,
    percent: rollout.kind === "blue-green" ? "-" : `${rollout.percent}%`,
    slo: `error rate ≤ ${(rollout.slo.maxErrorRate * 100).toFixed(1)}%, p95 ≤ ${rollout.slo.maxP95Ms} ms over ${rollout.slo.windowMs / 1000} s (≥ ${rollout.slo.minSamples} requests)`,
    created: `${rollout.createdAt} by ${rollout.createdBy}`,
    ...(rollout.endedAt ? { ended: `${rollout.endedAt} by ${rollout.endedBy}: ${rollout.endReason ?? ""}` } : {}),
    ...(rollout.evidence ? { evidence: JSON.stringify(rollout.evidence) } : {}),
  });
}

export function registerRolloutCommands(program: Command): void {
  const models = program.commands.find((command) => command.name() === "models");
  if (models === undefined) throw new Error("register the models commands before the rollout commands");
  const rollout = models
    .command("rollout")
    .description("canary, shadow and blue/green rollouts of an alias, with automatic rollback on SLO breach");

  jsonOption(
    rollout
      .command("start <name>")
      .description("start a rollout: the alias's current version is the stable one, --candidate the new one")
      .requiredOption(
        "-c, --candidate <version>",
        "candidate version number",
        number("--candidate", 1, Number.MAX_SAFE_INTEGER),
      )
      .option("-a, --alias <alias>", "the alias to roll out", "production")
      .option(
        "--canary <percent>",
        "send this share of requests to the candidate (default kind, 10%)",
        number("--canary", 0, 100),
      )
      .option(
        "--shadow <percent>",
        "mirror this share of requests to the candidate; clients only see the stable answer",
        number("--shadow", 0, 100),
      )
      .option("--blue-green", "keep both versions served and move the alias with `rollout switch`")
      .option(
        "--max-error-rate <rate>",
        "SLO: highest candidate error rate, 0–1 (default 0.05)",
        number("--max-error-rate", 0, 1),
      )
      .option(
        "--max-p95-ms <ms>",
        "SLO: highest candidate p95 latency in ms (default 30000)",
        number("--max-p95-ms", 1, 86_400_000),
      )
      .option("--window <duration>", "SLO window, e.g. 60s, 5m (default 60s)", duration)
      .option(
        "--min-samples <n>",
        "requests the window needs before a verdict (default 20)",
        number("--min-samples", 1, 16_000),
      )
      .option("--reason <text>", "why (kept in the audit trail)"),
  ).action(
    withPlatform(async (platform, command, name: string) => {
      const o = command.opts<{
        candidate: number;
        alias: string;
        canary?: number;
        shadow?: number;
        blueGreen?: boolean;
        maxErrorRate?: number;
        maxP95Ms?: number;
        window?: number;
        minSamples?: number;
        reason?: string;
      }>();
      const kinds = [o.canary !== undefined, o.shadow !== undefined, o.blueGreen === true].filter(Boolean).length;
      if (kinds > 1) throw new LlmopsError("usage", "choose one of --canary, --shadow and --blue-green.");
      const kind: RolloutKind = o.shadow !== undefined ? "shadow" : o.blueGreen ? "blue-green" : "canary";
      const started = await (await store(platform)).start({
        model: name,
        alias: o.alias,
        kind,
        candidate: Math.round(o.candidate),
        percent: o.shadow ?? o.canary,
        slo: { maxErrorRate: o.maxErrorRate, maxP95Ms: o.maxP95Ms, windowMs: o.window, minSamples: o.minSamples },
        actor: cliActor(),
        reason: o.reason,
      });
      if (wantsJson(command)) return printJson(started);
      process.stdout.write(`${pc.green("started")} ${describe(started)}\n`);
      if (kind === "blue-green") {
        process.stdout.write(
          `move traffic to green with \`llmops models rollout switch ${name} --alias ${o.alias}\`\n`,
        );
      }
    }),
  );

  jsonOption(
    rollout
      .command("status <name>")
      .description("the active rollout of an alias, or the latest one")
      .option("-a, --alias <alias>", "the alias", "production"),
  ).action(
    withPlatform(async (platform, command, name: string) => {
      const { alias } = command.opts<{ alias: string }>();
      const rollouts = await store(platform);
      const current = (await rollouts.active(name, alias)) ?? (await rollouts.list(name, { alias, limit: 1 }))[0];
      if (current === undefined) {
        throw new LlmopsError(
          "not_found",
          `${name}@${alias} has never had a rollout; start one with \`llmops models rollout start ${name} --alias ${alias} --candidate VERSION\`.`,
        );
      }
      if (wantsJson(command)) return printJson(current);
      printRollout(current);
    }),
  );

  jsonOption(
    rollout
      .command("list <name>")
      .description("every rollout of a model, newest first")
      .option("-a, --alias <alias>", "only this alias"),
  ).action(
    withPlatform(async (platform, command, name: string) => {
      const { alias } = command.opts<{ alias?: string }>();
      const list = await (await store(platform)).list(name, { alias });
      if (wantsJson(command)) return printJson(list);
      printTable(list, {
        ROLLOUT: (r) => r.id,
        ALIAS: (r) => r.alias,
        KIND: (r) => r.kind,
        STABLE: (r) => r.stable,
        CANDIDATE: (r) => r.candidate,
        PERCENT: (r) => (r.kind === "blue-green" ? "-" : r.percent),
        STATE: (r) => r.state,
        CREATED: (r) => r.createdAt,
      });
    }),
  );

  jsonOption(
    rollout
      .command("weight <name> <percent>")
      .description("change the canary share (or the shadow share) of the active rollout")
      .option("-a, --alias <alias>", "the alias", "production"),
  ).action(
    withPlatform(async (platform, command, name: string, percentText: string) => {
      const percent = number("<percent>", 0, 100)(percentText);
      const { alias } = command.opts<{ alias: string }>();
      const updated = await (await store(platform)).setPercent(name, alias, percent, cliActor());
      if (wantsJson(command)) return printJson(updated);
      process.stdout.write(`${describe(updated)}\n`);
    }),
  );

  for (const [verb, description] of [
    ["switch", "blue/green: move the alias to the other version (and back)"],
    ["promote", "end the rollout with the candidate as the alias's version"],
    ["abort", "end the rollout with the stable version as the alias's version"],
  ] as const) {
    jsonOption(
      rollout
        .command(`${verb} <name>`)
        .description(description)
        .option("-a, --alias <alias>", "the alias", "production")
        .option("--reason <text>", "why (kept in the alias history and audit trail)"),
    ).action(
      withPlatform(async (platform, command, name: string) => {
        const { alias, reason } = command.opts<{ alias: string; reason?: string }>();
        const rollouts = await store(platform);
        const actor = cliActor();
        const result =
          verb === "switch"
            ? await rollouts.switchOver(name, alias, actor, reason)
            : verb === "promote"
              ? await rollouts.promote(name, alias, actor, reason)
              : await rollouts.abort(name, alias, actor, reason);
        if (wantsJson(command)) return printJson(result);
        const target = await platform.registry.resolve(`${name}@${alias}`);
        process.stdout.write(`${describe(result)}; ${name}@${alias} → ${target.ref}\n`);
      }),
    );
  }

  jsonOption(
    rollout
      .command("shadow <name>")
      .description("shadow comparisons of the active (or latest) rollout: both answers and latencies")
      .option("-a, --alias <alias>", "the alias", "production")
      .option("-n, --limit <n>", "how many, newest first", number("--limit", 1, 1000), 20),
  ).action(
    withPlatform(async (platform, command, name: string) => {
      const { alias, limit } = command.opts<{ alias: string; limit: number }>();
      const rollouts = await store(platform);
      const current = (await rollouts.active(name, alias)) ?? (await rollouts.list(name, { alias, limit: 1 }))[0];
      if (current === undefined) throw new LlmopsError("not_found", `${name}@${alias} has never had a rollout.`);
      const samples = await rollouts.shadowSamples(current.id, limit);
      if (wantsJson(command)) return printJson(samples);
      const clip = (text: string | null) => (text === null ? "" : text.length > 40 ? `${text.slice(0, 40)}…` : text);
      printTable(samples, {
        AT: (s) => s.at,
        PRIMARY: (s) => `${s.primary_status} ${s.primary_latency_ms.toFixed(0)} ms`,
        CANDIDATE: (s) =>
          s.candidate_status === null
            ? `error: ${clip(s.candidate_error)}`
            : `${s.candidate_status} ${(s.candidate_latency_ms ?? 0).toFixed(0)} ms`,
        SAME: (s) => (s.primary_output !== null && s.primary_output === s.candidate_output ? "yes" : "no"),
        "PRIMARY OUTPUT": (s) => clip(s.primary_output),
        "CANDIDATE OUTPUT": (s) => clip(s.candidate_output),
      });
    }),
  );
}
