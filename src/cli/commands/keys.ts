// `llmops keys …`: API keys with roles. The secret is printed once at creation and stored only as
// a scrypt hash.
import type { Command } from "commander";
import pc from "picocolors";
import { LlmopsError } from "../../errors.js";
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
      .option("-r, --role <role>", `one of: ${ROLES.join(", ")}`, "developer")
      .option("--team <team>", "the key's team (team rate limits and budgets, audit)")
      .option(
        "--models <list>",
        "comma-separated models the key may use (NAME, NAME@ALIAS or NAME@VERSION); default all",
      )
      .option("--expires-in <duration>", "the key stops working after this long: 45s, 90m, 12h, 30d, 2w")
      .option("--expires-at <time>", "the key stops working at this ISO 8601 time"),
  ).action(
    withPlatform(async (platform, command) => {
      const o = command.opts<{
        name: string;
        role: string;
        team?: string;
        models?: string;
        expiresIn?: string;
        expiresAt?: string;
      }>();
      if (o.expiresIn !== undefined && o.expiresAt !== undefined) {
        throw new LlmopsError("usage", "Give either --expires-in or --expires-at, not both.");
      }
      const { parseDuration } = await import("../../security/keys.js");
      const expiresAt =
        o.expiresIn !== undefined ? new Date(Date.now() + parseDuration(o.expiresIn)) : (o.expiresAt ?? null);
      const created = await platform.keys.create({
        name: o.name,
        role: o.role,
        createdBy: cliActor(),
        team: o.team ?? null,
        models: o.models === undefined ? null : o.models.split(","),
        expiresAt,
      });
      if (wantsJson(command)) return printJson(created);
      const extras = [
        created.team ? `team ${created.team}` : "",
        created.models ? `models ${created.models.join(", ")}` : "",
        created.expiresAt ? `expires ${created.expiresAt}` : "",
      ].filter(Boolean);
      process.stdout.write(
        `${pc.green("created")} key ${pc.bold(created.name)} (${created.role}, id ${created.id}${extras.length ? `; ${extras.join("; ")}` : ""})\n\n  ${created.key}\n\n` +
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
        TEAM: (k) => k.team,
        MODELS: (k) => (k.models === null ? "all" : k.models.join(",")),
        EXPIRES: (k) => k.expiresAt,
        PREFIX: (k) => `${k.prefix}…`,
        CREATED: (k) => k.createdAt,
        "LAST USED": (k) => k.lastUsedAt,
        REVOKED: (k) => k.revokedAt,
      });
    }),
  );

  jsonOption(
    keys
      .command("revoke <idOrName>")
      .description("revoke a key by id or name; every gateway refuses it within a second"),
  ).action(
    withPlatform(async (platform, command, idOrName: string) => {
      const revoked = await platform.keys.revoke(idOrName, cliActor());
      if (wantsJson(command)) return printJson(revoked);
      process.stdout.write(`${pc.yellow("revoked")} key ${revoked.name} (${revoked.id})\n`);
    }),
  );
}
