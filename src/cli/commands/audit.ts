// `llmops audit …`: read and verify the hash-chained audit trail.
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import type { Command } from "commander";
import pc from "picocolors";
import { LlmopsError } from "../../errors.js";
import { cliActor, jsonOption, wantsJson, withPlatform } from "../context.js";
import { printJson, printTable } from "../output.js";

export function registerAuditCommands(program: Command): void {
  const audit = program.command("audit").description("the tamper-evident audit trail of models, aliases and keys");

  jsonOption(
    audit
      .command("list")
      .description("most recent entries first")
      .option("-n, --limit <n>", "how many", "50")
      .option("--action <action>", "only this action (e.g. alias.set, key.revoke)")
      .option("--target <target>", "only this target (e.g. alias:tiny@production)"),
  ).action(
    withPlatform(async (platform, command) => {
      const { listAudit } = await import("../../security/audit.js");
      const o = command.opts<{ limit: string; action?: string; target?: string }>();
      const events = await listAudit(platform.store, { limit: o.limit, action: o.action, target: o.target });
      if (wantsJson(command)) return printJson(events);
      printTable(events, {
        SEQ: (e) => e.seq,
        AT: (e) => e.at,
        ACTOR: (e) => e.actor,
        ACTION: (e) => e.action,
        TARGET: (e) => e.target,
        DETAILS: (e) => e.details,
      });
    }),
  );

  jsonOption(
    audit
      .command("verify")
      .description("recompute the hash chain; exit 1 if any entry was altered, removed or reordered"),
  ).action(
    withPlatform(async (platform, command) => {
      const { verifyAudit } = await import("../../security/audit.js");
      const result = await verifyAudit(platform.store);
      if (wantsJson(command)) printJson(result);
      else if (result.ok) {
        const pruned =
          result.baseSeq > 0 ? ` (entries 1–${result.baseSeq} pruned by retention, checkpoint verified)` : "";
        process.stdout.write(
          `${pc.green("ok")}: ${result.entries} entries, chain intact${pruned}; head ${result.headSeq} ${result.headHash}\n`,
        );
      }
      if (!result.ok) {
        throw new LlmopsError(
          "integrity",
          `The audit trail was tampered with at entry ${result.problem?.seq}: ${result.problem?.reason}.`,
        );
      }
    }),
  );

  audit
    .command("export")
    .description("write entries oldest first, one JSON object per line (with seq, prev_hash and hash)")
    .option("--format <format>", "jsonl (the only format)", "jsonl")
    .option("--since <time>", "only entries at or after this time: ISO 8601, or a duration back from now (7d, 12h)")
    .option("--after <seq>", "only entries after this sequence number (resume an export)")
    .option("--action <action>", "only this action (e.g. gateway.request, key.revoke)")
    .option("-o, --output <file>", "write to a file (atomically) instead of stdout")
    .action(
      withPlatform(async (platform, command) => {
        const o = command.opts<{ format: string; since?: string; after?: string; action?: string; output?: string }>();
        if (o.format !== "jsonl") throw new LlmopsError("usage", `Unknown --format '${o.format}'; use jsonl.`);
        const [{ exportAudit }, { parseDuration }] = await Promise.all([
          import("../../security/audit.js"),
          import("../../security/keys.js"),
        ]);
        const since =
          o.since === undefined
            ? undefined
            : /^\d+(\.\d+)?\s*[smhdw]$/.test(o.since.trim())
              ? new Date(Date.now() - parseDuration(o.since, "--since")).toISOString()
              : o.since;
        const events = exportAudit(platform.store, { since, after: o.after, action: o.action });
        await writeLines(events, o.output);
      }),
    );

  jsonOption(
    audit
      .command("prune")
      .description("retention: remove entries older than a cutoff behind a hash-chained checkpoint")
      .requiredOption("--older-than <duration>", "remove entries older than this (e.g. 90d)"),
  ).action(
    withPlatform(async (platform, command) => {
      const o = command.opts<{ olderThan: string }>();
      const [{ pruneAudit }, { parseDuration }] = await Promise.all([
        import("../../security/audit.js"),
        import("../../security/keys.js"),
      ]);
      const before = new Date(Date.now() - parseDuration(o.olderThan, "--older-than"));
      const result = await pruneAudit(platform.store, {
        before,
        actor: cliActor(),
        reason: `--older-than ${o.olderThan}`,
      });
      if (wantsJson(command)) return printJson(result);
      process.stdout.write(
        result.removed === 0
          ? `nothing older than ${before.toISOString()} to remove\n`
          : `${pc.yellow("pruned")} ${result.removed} entries through ${result.baseSeq}; checkpoint entry ${result.checkpoint?.seq}\n`,
      );
    }),
  );
}

/** Streams JSON lines to stdout, or to a temp file renamed into place so a failed export leaves nothing. */
async function writeLines(events: AsyncIterable<unknown>, output: string | undefined): Promise<void> {
  const target = output === undefined ? process.stdout : createWriteStream(`${output}.tmp-${process.pid}`);
  try {
    for await (const event of events) {
      if (!target.write(`${JSON.stringify(event)}\n`)) await once(target, "drain");
    }
    if (output !== undefined) {
      await new Promise<void>((resolve, reject) =>
        (target as NodeJS.WritableStream).end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
      await rename(`${output}.tmp-${process.pid}`, output);
    }
  } catch (error) {
    if (output !== undefined) {
      (target as NodeJS.WritableStream & { destroy(): void }).destroy();
      await rm(`${output}.tmp-${process.pid}`, { force: true });
    }
    throw error;
  }
}
