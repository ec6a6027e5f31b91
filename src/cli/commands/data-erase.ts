// `llmops data erase`: removes every row matching a field value or a text value from all dataset
// versions (GDPR / PIPL erasure), with a tombstone and the affected models. Domain code: src/data/erase.ts.
import type { Command } from "commander";
import pc from "picocolors";
import { LlmopsError } from "../../errors.js";
import { cliActor, jsonOption, wantsJson, withPlatform } from "../context.js";
import { printJson, printTable } from "../output.js";

export function registerEraseCommand(data: Command): void {
  jsonOption(
    data
      .command("erase")
      .description("erase matching rows from every dataset version: new versions without them, old shards deleted")
      .option("--match <field=value>", "rows whose FIELD equals VALUE (dotted fields reach into objects)")
      .option("--text <value>", "rows holding VALUE anywhere in their text")
      .requiredOption("--reason <text>", "why (kept in the tombstone and the audit trail)")
      .option("--dry-run", "report what would be erased and which models are affected; change nothing"),
  ).action(
    withPlatform(async (platform, command) => {
      const o = command.opts<{ match?: string; text?: string; reason: string; dryRun?: boolean }>();
      if ((o.match === undefined) === (o.text === undefined)) {
        throw new LlmopsError("usage", "Give exactly one of --match FIELD=VALUE or --text VALUE.", {
          param: "--match",
        });
      }
      const { eraseRows, parseFieldMatch } = await import("../../data/erase.js");
      const { masterKeyFromEnv } = await import("../../data/crypto/envelope.js");
      const match = o.match !== undefined ? parseFieldMatch(o.match) : { kind: "text" as const, value: o.text ?? "" };
      const result = await eraseRows(platform.datasets, {
        match,
        reason: o.reason,
        actor: cliActor(),
        dryRun: o.dryRun,
        // The master key, when set, keys the tombstone's hash of the value.
        hashKey: masterKeyFromEnv()?.key,
      });
      if (wantsJson(command)) return printJson(result);
      if (result.versions.length === 0) {
        process.stdout.write("No dataset version holds a matching row; nothing to erase.\n");
        return;
      }
      const verb = result.dryRun ? pc.yellow("would erase") : pc.green("erased");
      process.stdout.write(
        `${verb} ${result.rowsRemoved} row(s) from ${result.versions.length} version(s)` +
          `${result.tombstoneId ? ` (tombstone ${result.tombstoneId})` : ""}\n`,
      );
      printTable(result.versions, {
        VERSION: (v) => v.ref,
        ROWS: (v) => v.rows,
        REMOVED: (v) => v.rowsRemoved,
        "NEW VERSION": (v) => v.replacement ?? "-",
        ENCRYPTED: (v) => (v.encrypted ? "yes" : "no"),
      });
      if (!result.dryRun) {
        process.stdout.write(
          `shard artifacts deleted: ${result.deletedArtifacts.length}, kept (shared with live versions): ${result.keptSharedArtifacts.length}\n`,
        );
      }
      if (result.models.length === 0)
        process.stdout.write("No registered model version was trained on affected data.\n");
      else {
        process.stdout.write(`\n${pc.bold("model versions trained on affected data")} (retrain or retire them)\n`);
        printTable(result.models, {
          MODEL: (m) => m.ref,
          DATASETS: (m) => m.datasets.join(", "),
          VIA: (m) => m.via.join("+"),
          RUN: (m) => m.runId ?? "-",
        });
      }
    }),
  );
}
