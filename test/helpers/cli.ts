// Runs the real `llmops` command (bin/llmops.js → dist/) as users do. `npm test` compiles dist/
// before the tests run; run `npm run build` first when calling vitest directly.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

export const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
export const CLI = path.join(REPO_ROOT, "bin", "llmops.js");

if (!existsSync(path.join(REPO_ROOT, "dist", "src", "cli", "main.js"))) {
  throw new Error("dist/ is missing: run `npm run build` (npm test does it) before these tests");
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `llmops ARGS` to completion in `cwd` with a private LLMOPS_HOME unless env says otherwise. */
export function runCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string }): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: { ...cleanEnv(), ...options.env },
    input: options.input,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * The environment without LLMOPS_* settings of the developer's shell (tests choose their own), and
 * without colours (picocolors turns them on when CI is set) so tests read plain text.
 */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith("LLMOPS_") || key.startsWith("LLMOPS_TEST_")),
  );
  delete env.FORCE_COLOR;
  return { ...env, NO_COLOR: "1" };
}

export interface RunningCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout match, or rejects when the process exits or the time is up. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

export function startCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: { ...cleanEnv(), ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor(pattern, timeoutMs = 90_000) {
      return new Promise((resolve, reject) => {
        const started = Date.now();
        const poll = setInterval(() => {
          const match = pattern.exec(out);
          if (match) {
            clearInterval(poll);
            resolve(match);
          } else if (child.exitCode !== null || Date.now() - started > timeoutMs) {
            clearInterval(poll);
            reject(new Error(`no ${pattern} in output (exit ${child.exitCode}).\nstdout:\n${out}\nstderr:\n${err}`));
          }
        }, 50);
      });
    },
    async stop(signal = "SIGINT", timeoutMs = 30_000) {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
