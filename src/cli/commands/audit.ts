// `llmops audit …`: read and verify the hash-chained audit trail.
import type { Command } from "commander";
import pc from "picocolors";
import { LlmopsError } from "../../errors.js";
import { jsonOption, wantsJson, withPlatform } from "../context.js";
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
        process.stdout.write(
          `${pc.green("ok")}: ${result.entries} entries, chain intact; head ${result.headSeq} ${result.headHash}\n`,
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
}
