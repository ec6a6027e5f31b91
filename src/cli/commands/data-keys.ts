// `llmops data keys …`: the wrapped data keys of encrypted datasets and master-key rotation.
import type { Command } from "commander";
import pc from "picocolors";
import { LlmopsError } from "../../errors.js";
import { cliActor, jsonOption, wantsJson, withPlatform } from "../context.js";
import { printJson, printTable } from "../output.js";

export function registerDataKeyCommands(data: Command): void {
  const keys = data
    .command("keys")
    .description("data keys of encrypted datasets (wrapped by LLMOPS_MASTER_KEY / LLMOPS_MASTER_KEY_FILE)");

  jsonOption(keys.command("list").description("list the datasets' data keys and the master key wrapping each")).action(
    withPlatform(async (platform, command) => {
      const { DatasetKeyring } = await import("../../data/crypto/keyring.js");
      const list = await new DatasetKeyring(platform.store).list();
      if (wantsJson(command)) return printJson(list);
      printTable(list, {
        DATASET: (k) => k.dataset,
        "KEY ID": (k) => k.keyId,
        "MASTER KEY": (k) => k.masterKeyId,
        CREATED: (k) => k.createdAt,
        ROTATED: (k) => k.rotatedAt ?? "-",
      });
    }),
  );

  jsonOption(
    keys
      .command("rotate")
      .description("re-wrap every data key under a new master key (data is not re-encrypted; one transaction)")
      .requiredOption("--new-key-file <file>", "the new master key (32 bytes, base64 or hex; mode 0600)"),
  ).action(
    withPlatform(async (platform, command) => {
      const o = command.opts<{ newKeyFile: string }>();
      const { DatasetKeyring } = await import("../../data/crypto/keyring.js");
      const { readMasterKeyFile } = await import("../../data/crypto/envelope.js");
      const next = readMasterKeyFile(o.newKeyFile);
      const keyring = new DatasetKeyring(platform.store);
      if (keyring.master().id === next.id) {
        throw new LlmopsError("usage", `${o.newKeyFile} holds the current master key (${next.id}); name a new one.`);
      }
      const result = await keyring.rotate(next, cliActor());
      if (wantsJson(command)) return printJson(result);
      process.stdout.write(
        `${pc.green("rotated")} ${result.rewrapped} data key(s) from master key ${result.from} to ${result.to}` +
          `${result.alreadyCurrent ? ` (${result.alreadyCurrent} already under it)` : ""}.\n` +
          `Now set LLMOPS_MASTER_KEY_FILE=${o.newKeyFile} (or LLMOPS_MASTER_KEY) for every llmops process; keep the old key until then.\n`,
      );
    }),
  );
}
