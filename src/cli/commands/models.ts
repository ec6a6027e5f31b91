// `llmops models …`: register GGUF files as immutable versions, list and show them, move aliases,
// roll back, and inspect a GGUF file without registering it.
import { type Command, InvalidArgumentError } from "commander";
import pc from "picocolors";
import { metadataToJson, readGgufFile, summarizeGguf } from "../../formats/gguf/index.js";
import type { AliasEvent, ModelVersion } from "../../registry/index.js";
import { parseModelRef, parseVersion } from "../../registry/index.js";
import { cliActor, jsonOption, runAction, wantsJson, withPlatform } from "../context.js";
import { formatBytes, formatCount, printFields, printJson, printTable } from "../output.js";

export function registerModelsCommands(program: Command): void {
  const models = program.command("models").description("model registry: versions, aliases, lineage, rollback");

  jsonOption(
    models
      .command("register <file>")
      .description("register a GGUF file as the next immutable version of a model")
      .requiredOption("-n, --name <name>", "model name")
      .option("-a, --alias <alias>", "point this alias at the new version (e.g. production)")
      .option("-t, --tag <key=value>", "tag the version (repeatable)", collectTags, {})
      .option("-d, --description <text>", "free-text description")
      .option("--parent <ref>", "lineage: the model version this one was derived from (name@version)")
      .option("--run <id>", "lineage: the training run that produced it")
      .option("--dataset <ref>", "lineage: a dataset version it was trained on (repeatable)", collect, []),
  ).action(
    withPlatform(async (platform, command, file: string) => {
      const o = command.opts<{
        name: string;
        alias?: string;
        tag: Record<string, string>;
        description?: string;
        parent?: string;
        run?: string;
        dataset: string[];
      }>();
      const lineage: Record<string, unknown> = {};
      if (o.parent) {
        parseModelRef(o.parent); // validates the reference
        lineage.parent = o.parent;
      }
      if (o.run) lineage.runId = o.run;
      if (o.dataset.length) lineage.datasetVersions = o.dataset;
      const version = await platform.registry.register({
        file,
        name: o.name,
        alias: o.alias,
        tags: o.tag,
        description: o.description,
        lineage,
        actor: cliActor(),
      });
      if (wantsJson(command)) return printJson(version);
      process.stdout.write(
        `${pc.green("registered")} ${pc.bold(version.ref)} (${formatBytes(version.sizeBytes)}, sha256 ${version.artifactHash.slice(0, 12)}…)` +
          `${version.aliases.length ? ` aliases: ${version.aliases.join(", ")}` : ""}\n`,
      );
    }),
  );

  jsonOption(models.command("list").description("list registered models with their latest version and aliases")).action(
    withPlatform(async (platform, command) => {
      const list = await platform.registry.list();
      if (wantsJson(command)) return printJson(list);
      printTable(list, {
        NAME: (m) => m.name,
        LATEST: (m) => m.latestVersion,
        VERSIONS: (m) => m.versionCount,
        ALIASES: (m) => m.aliases,
        CREATED: (m) => m.createdAt,
      });
    }),
  );

  jsonOption(
    models
      .command("show <ref>")
      .description("show a model (name) or one version (name@version, name@alias, name@latest)")
      .option("--history", "also show every alias move"),
  ).action(
    withPlatform(async (platform, command, ref: string) => {
      const parsed = parseModelRef(ref);
      const history = command.opts<{ history?: boolean }>().history;
      if (parsed.kind === "bare") {
        const model = await platform.registry.getModel(parsed.name);
        const events = history ? await platform.registry.aliasHistory(parsed.name) : undefined;
        if (wantsJson(command)) return printJson(events ? { ...model, aliasHistory: events } : model);
        printFields({
          name: model.name,
          description: model.description,
          created: `${model.createdAt} by ${model.createdBy}`,
          aliases: model.aliases,
        });
        process.stdout.write("\n");
        printTable(model.versions, {
          VERSION: (v) => v.version,
          ALIASES: (v) => v.aliases,
          ARCH: (v) => v.architecture,
          PARAMS: (v) => formatCount(v.parameterCount),
          QUANT: (v) => v.quantization,
          CTX: (v) => v.contextLength,
          SIZE: (v) => formatBytes(v.sizeBytes),
          SHA256: (v) => v.artifactHash.slice(0, 12),
          CREATED: (v) => v.createdAt,
        });
        if (events) printHistory(events);
        return;
      }
      const version = await platform.registry.resolve(ref);
      const events = history ? await platform.registry.aliasHistory(version.name) : undefined;
      if (wantsJson(command)) return printJson(events ? { ...version, aliasHistory: events } : version);
      printVersion(version);
      if (events) printHistory(events);
    }),
  );

  jsonOption(
    models
      .command("alias <name> <version> <alias>")
      .description("point an alias (e.g. production, staging) at a version; every move is recorded")
      .option("--reason <text>", "why (kept in the alias history)"),
  ).action(
    withPlatform(async (platform, command, name: string, versionText: string, alias: string) => {
      const event = await platform.registry.setAlias(
        name,
        parseVersion(versionText),
        alias,
        cliActor(),
        command.opts<{ reason?: string }>().reason,
      );
      if (wantsJson(command)) return printJson(event);
      process.stdout.write(`${describeMove(event)}\n`);
    }),
  );

  jsonOption(
    models
      .command("promote <ref>")
      .description("point an alias at a version that passed a gated eval run (records the run's id)")
      .option("-a, --alias <alias>", "the alias to move", "production")
      .option("--reason <text>", "a note kept with the eval run id in the alias history"),
  ).action(
    withPlatform(async (platform, command, ref: string) => {
      const o = command.opts<{ alias: string; reason?: string }>();
      const { promoteWithGate } = await import("../../eval/promote.js");
      const { event, evalRun } = await promoteWithGate(platform, ref, o.alias, cliActor(), o.reason);
      if (wantsJson(command)) return printJson({ ...event, evalRun: evalRun.id });
      process.stdout.write(`${describeMove(event)} (eval run ${evalRun.id}, suite ${evalRun.suiteName})\n`);
    }),
  );

  jsonOption(
    models
      .command("rollback <name>")
      .description("move an alias back to the version it pointed at before its latest move")
      .option("-a, --alias <alias>", "the alias to roll back", "production")
      .option("--reason <text>", "why (kept in the alias history)"),
  ).action(
    withPlatform(async (platform, command, name: string) => {
      const o = command.opts<{ alias: string; reason?: string }>();
      const event = await platform.registry.rollback(name, o.alias, cliActor(), o.reason);
      if (wantsJson(command)) return printJson(event);
      process.stdout.write(`${describeMove(event)}\n`);
    }),
  );

  jsonOption(
    models.command("inspect <file>").description("read a GGUF file's metadata and tensor index without registering it"),
  ).action(
    runAction(async (command, file: string) => {
      const gguf = await readGgufFile(file);
      const summary = summarizeGguf(gguf);
      const tensors = gguf.tensors.map((t) => ({ name: t.name, type: t.typeName, dims: t.dims, bytes: t.byteSize }));
      if (wantsJson(command)) {
        return printJson({ version: gguf.version, summary, metadata: metadataToJson(gguf.metadata), tensors });
      }
      printFields({
        ...summary,
        chatTemplate: summary.chatTemplate ? `${summary.chatTemplate.length} characters` : null,
      });
      process.stdout.write(
        `\n${gguf.tensors.length} tensors, ${gguf.metadata.size} metadata keys (GGUF v${gguf.version})\n`,
      );
    }),
  );
}

function printVersion(v: ModelVersion): void {
  printFields({
    ref: v.ref,
    aliases: v.aliases,
    architecture: v.architecture,
    parameters: v.parameterCount === null ? null : `${formatCount(v.parameterCount)} (${v.parameterCount})`,
    quantization: v.quantization,
    "context length": v.contextLength,
    "vocabulary size": v.vocabSize,
    sha256: v.artifactHash,
    size: `${formatBytes(v.sizeBytes)} (${v.sizeBytes} bytes)`,
    lineage: v.lineage,
    tags: v.tags,
    description: v.description,
    created: `${v.createdAt} by ${v.createdBy}`,
  });
}

function printHistory(events: AliasEvent[]): void {
  process.stdout.write(`\n${pc.bold("alias history")}\n`);
  printTable(events, {
    AT: (e) => e.at,
    ALIAS: (e) => e.alias,
    KIND: (e) => e.kind,
    FROM: (e) => e.fromVersion,
    TO: (e) => e.toVersion,
    BY: (e) => e.actor,
    REASON: (e) => e.reason,
  });
}

function describeMove(e: AliasEvent): string {
  const from = e.fromVersion === null ? "(new)" : `${e.model}@${e.fromVersion}`;
  return `${e.kind === "rollback" ? pc.yellow("rolled back") : pc.green("moved")} ${pc.bold(`${e.model}@${e.alias}`)}: ${from} → ${e.model}@${e.toVersion}`;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function collectTags(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError(`use key=value, not '${value}'.`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}
