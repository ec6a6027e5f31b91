// Shared plumbing for commands: global flags → configuration, opening the platform, and one
// wrapper that turns thrown errors into messages and exit codes.
import os from "node:os";
import type { Command } from "commander";
import { type Config, type ConfigLayer, loadConfig } from "../config/index.js";
import type { Platform } from "../platform/open.js";
import { EXIT_OK, reportError } from "./output.js";

export interface GlobalOptions {
  home?: string;
  config?: string;
  databaseUrl?: string;
  artifactsUrl?: string;
  logLevel?: string;
  json?: boolean;
}

/** Loads configuration with the command's flags on top; `extra` adds command-specific flag values. */
export function configFrom(command: Command, extra: ConfigLayer = {}): Config {
  const opts = command.optsWithGlobals<GlobalOptions>();
  const flags: ConfigLayer = { ...extra };
  if (opts.home) flags.home = opts.home;
  if (opts.databaseUrl) flags.database_url = opts.databaseUrl;
  if (opts.artifactsUrl) flags.artifacts_url = opts.artifactsUrl;
  if (opts.logLevel) flags.log_level = opts.logLevel as Config["log_level"];
  return loadConfig({ flags, configFile: opts.config }).config;
}

/** Who did it, for audit fields: the OS user at the CLI. */
export function cliActor(): string {
  try {
    return `cli:${os.userInfo().username}`;
  } catch {
    return "cli";
  }
}

export function wantsJson(command: Command): boolean {
  return Boolean(command.optsWithGlobals<GlobalOptions>().json);
}

/**
 * Wraps a command action: runs it with the platform opened (and closed afterwards), reports errors
 * and sets the exit code. Long-running commands (servers) use `runAction` without a platform.
 */
export function withPlatform<A extends unknown[]>(
  fn: (platform: Platform, command: Command, ...args: A) => Promise<void>,
): (...args: [...A, unknown, Command]) => Promise<void> {
  return runAction(async (command, ...args: A) => {
    // Imported when a command runs, so `--help` and light commands start fast.
    const { openPlatform } = await import("../platform/open.js");
    const platform = await openPlatform(configFrom(command));
    try {
      await fn(platform, command, ...args);
    } finally {
      await platform.close();
    }
  });
}

export function runAction<A extends unknown[]>(
  fn: (command: Command, ...args: A) => Promise<void>,
): (...args: [...A, unknown, Command]) => Promise<void> {
  return async (...all) => {
    const command = all.at(-1) as Command;
    const args = all.slice(0, -2) as unknown as A;
    try {
      await fn(command, ...args);
      process.exitCode ??= EXIT_OK;
    } catch (error) {
      process.exitCode = reportError(error, { json: wantsJson(command) });
    }
  };
}

/** Adds `--json` to a leaf command (every verb offers it). */
export function jsonOption(command: Command): Command {
  return command.option("--json", "print the result as JSON (for scripts)");
}
