// `llmops keys …`: API keys with roles. The secret is printed once at creation and stored only as
// a scrypt hash.
import type { Command } from "commander";
import pc from "picocolors";
import { ROLES } from "../../security/roles.js";
import { cliActor, jsonOption, wantsJson, withPlatform } from "../context.js";
import { printJson, printTable } from "../output.js";

export function registerKeysCommands(program: Command): void {
  const keys = program.command("keys").description("API keys and roles for the gateway and the API");

  jsonOption(
    keys
      .command("create")
      .description("create an API key (shown once)")
      .requiredOption("-n, --name <name>", "who or what the key is for")
      .option("-r, --role <role>", `one of: ${ROLES.join(", ")}`, "developer"),
  ).action(
    withPlatform(async (platform, command) => {
      const o = command.opts<{ name: string; role: string }>();
      const created = await platform.keys.create({ name: o.name, role: o.role, createdBy: cliActor() });
      if (wantsJson(command)) return printJson(created);
      process.stdout.write(
        `${pc.green("created")} key ${pc.bold(created.name)} (${created.role}, id ${created.id})\n\n  ${created.key}\n\n` +
          `${pc.yellow("Store it now: it is shown only once.")}\n`,
      );
    }),
  );

  jsonOption(
    keys.command("list").description("list API keys (never their secrets)").option("--all", "include revoked keys"),
  ).action(
    withPlatform(async (platform, command) => {
      const list = await platform.keys.list({ includeRevoked: Boolean(command.opts<{ all?: boolean }>().all) });
      if (wantsJson(command)) return printJson(list);
      printTable(list, {
        ID: (k) => k.id,
        NAME: (k) => k.name,
        ROLE: (k) => k.role,
        PREFIX: (k) => `${k.prefix}…`,
        CREATED: (k) => k.createdAt,
        "LAST USED": (k) => k.lastUsedAt,
        REVOKED: (k) => k.revokedAt,
      });
    }),
  );

  jsonOption(
    keys.command("revoke <idOrName>").description("revoke a key by id or name; it stops working within seconds"),
  ).action(
    withPlatform(async (platform, command, idOrName: string) => {
      const revoked = await platform.keys.revoke(idOrName, cliActor());
      if (wantsJson(command)) return printJson(revoked);
      process.stdout.write(`${pc.yellow("revoked")} key ${revoked.name} (${revoked.id})\n`);
    }),
  );
}
