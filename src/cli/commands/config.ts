// `llmops config show`: the effective configuration after flags, environment, file and defaults.
import type { Command } from "commander";
import { stringify } from "yaml";
import type { Config } from "../../config/index.js";
import { configFrom, jsonOption, runAction, wantsJson } from "../context.js";
import { printJson } from "../output.js";

export function registerConfigCommands(program: Command): void {
  const config = program.command("config").description("inspect the effective configuration");
  jsonOption(config.command("show").description("print the merged configuration (secrets redacted)")).action(
    runAction(async (command) => {
      const redacted = redact(configFrom(command));
      if (wantsJson(command)) return printJson(redacted);
      process.stdout.write(stringify(redacted));
    }),
  );
}

export function redact(config: Config): Config {
  const hide = (value: string | undefined) => (value ? "********" : value);
  return {
    ...config,
    database_url: config.database_url.replace(/\/\/([^:/@]+):([^@]+)@/, "//$1:********@"),
    redis_url: config.redis_url?.replace(/\/\/([^:/@]*):([^@]+)@/, "//$1:********@"),
    admin_key: hide(config.admin_key),
    s3: { ...config.s3, secret_access_key: hide(config.s3.secret_access_key) },
  };
}
