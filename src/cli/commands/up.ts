// `llmops up` (what `npm start` runs): the gateway and the control-plane API on one port, plus
// worker processes for every model whose `production` alias is set. Registers the bundled model
// and creates an admin key on first run; follows alias moves while it runs; Ctrl-C stops all.
import os from "node:os";
import type { Command } from "commander";
import pc from "picocolors";
import type { Logger } from "pino";
import type { Config } from "../../config/index.js";
import { ensureAdminKey, registerBundledModelIfEmpty } from "../../platform/bootstrap.js";
import { createLogger } from "../../platform/logger.js";
import type { Platform } from "../../platform/open.js";
import type { RunningServer } from "../../platform/server.js";
import { WorkerSupervisor } from "../../platform/supervisor.js";
import { pruneDeadWorkers } from "../../platform/workers.js";
import { configFrom, type GlobalOptions, jsonOption, runAction, wantsJson } from "../context.js";
import { printJson } from "../output.js";
import { parseInteger } from "../parse.js";
import { onShutdown } from "../shutdown.js";

const RECONCILE_MS = 2_000;

export function registerUpCommand(program: Command): void {
  jsonOption(
    program
      .command("up")
      .description("run everything on this machine: gateway + API, and workers for every production model")
      .option("-p, --port <port>", "port for the gateway and API (LLMOPS_PORT, default 8080)")
      .option("--host <host>", "interface to listen on (LLMOPS_HOST, default 127.0.0.1)")
      .option("-w, --workers <n>", "worker processes per model (default: one per CPU core)")
      .option("-t, --threads <n>", "llama.cpp threads per worker (default 1)"),
  ).action(
    runAction(async (command) => {
      const o = command.opts<{ port?: string; host?: string; workers?: string; threads?: string }>();
      const config = configFrom(command, {
        ...(o.port || o.host
          ? {
              server: {
                ...(o.port ? { port: parseInteger(o.port, "--port", 0, 65535) } : {}),
                ...(o.host ? { host: o.host } : {}),
              },
            }
          : {}),
        ...(o.workers || o.threads
          ? {
              workers: {
                ...(o.workers ? { count: parseInteger(o.workers, "--workers", 0, 256) } : {}),
                ...(o.threads ? { threads: parseInteger(o.threads, "--threads", 1, 256) } : {}),
              },
            }
          : {}),
      });
      const logger = createLogger(config.log_level, { component: "up" });
      // Heavy modules (Fastify, the stores) load only when the command runs.
      const [{ openPlatform }, { startServer }] = await Promise.all([
        import("../../platform/open.js"),
        import("../../platform/server.js"),
      ]);
      const platform = await openPlatform(config, { writerThread: true });
      const supervisor = new WorkerSupervisor({
        globalArgs: childGlobalArgs(command, config),
        threads: config.workers.threads,
        host: "127.0.0.1",
        logger,
      });
      let server: RunningServer | null = null;
      let reconciler: NodeJS.Timeout | null = null;
      let stopping = false;
      // Listen for Ctrl-C from the very start, so an interrupt while workers load still cleans up.
      const shutdown = onShutdown(async () => {
        stopping = true;
        if (reconciler) clearInterval(reconciler);
        process.stderr.write("\nstopping llmops…\n");
        await server?.close();
        await supervisor.stopAll();
        await platform.close();
      });
      try {
        const bundled = await registerBundledModelIfEmpty(platform);
        if (bundled) logger.info({ model: bundled.ref }, "registered the bundled model as production");
        const admin = await ensureAdminKey(platform);
        await pruneDeadWorkers(platform.store);
        const perModel = config.workers.count || os.availableParallelism();
        const served = await reconcile(platform, supervisor, perModel, logger);
        if (!stopping) {
          server = await startServer(platform, { host: config.server.host, port: config.server.port, logger });
          const baseUrl = server.url;
          if (wantsJson(command)) {
            printJson({ baseUrl: `${baseUrl}/v1`, apiUrl: `${baseUrl}/api/v1`, adminKey: admin.key, models: served });
          } else {
            printBanner(baseUrl, admin, served, supervisor);
          }
          reconciler = setInterval(() => {
            reconcile(platform, supervisor, perModel, logger).catch((error: Error) =>
              logger.error({ err: error }, "could not follow production aliases"),
            );
          }, RECONCILE_MS);
          reconciler.unref();
        }
      } catch (error) {
        shutdown.stop();
        await shutdown.stopped;
        throw error;
      }
      await shutdown.stopped;
    }),
  );
}

let reconciling: Promise<Record<string, string>> | null = null;

/**
 * Makes the running workers match the production aliases: starts workers for new targets first,
 * then stops workers of versions no longer in production (so a rollback never leaves a gap).
 */
function reconcile(
  platform: Platform,
  supervisor: WorkerSupervisor,
  perModel: number,
  logger: Logger,
): Promise<Record<string, string>> {
  reconciling ??= (async () => {
    try {
      const served: Record<string, string> = {};
      for (const model of await platform.registry.list()) {
        const version = model.aliases.production;
        if (version !== undefined) served[model.name] = `${model.name}@${version}`;
      }
      const desired = new Set(Object.values(served));
      for (const ref of desired) {
        if (supervisor.refs().includes(ref)) continue;
        logger.info({ ref, workers: perModel }, "starting workers");
        try {
          await supervisor.startGroup(ref, perModel);
        } catch (error) {
          await supervisor.stopGroup(ref);
          logger.error({ err: error, ref }, "workers failed to start");
        }
      }
      for (const ref of supervisor.refs()) {
        if (!desired.has(ref)) {
          logger.info({ ref }, "stopping workers of a version no longer in production");
          await supervisor.stopGroup(ref);
        }
      }
      return served;
    } finally {
      reconciling = null;
    }
  })();
  return reconciling;
}

/** The global flags a child worker needs to open the same stores as this process. */
function childGlobalArgs(command: Command, config: Config): string[] {
  const opts = command.optsWithGlobals<GlobalOptions>();
  const args = ["--home", config.home, "--database-url", config.database_url, "--artifacts-url", config.artifacts_url];
  if (opts.config) args.push("--config", opts.config);
  args.push("--log-level", config.log_level === "info" ? "warn" : config.log_level);
  return args;
}

function printBanner(
  baseUrl: string,
  admin: { key: string; source: string; file: string | null },
  served: Record<string, string>,
  supervisor: WorkerSupervisor,
): void {
  const keyNote =
    admin.source === "LLMOPS_ADMIN_KEY"
      ? "(from LLMOPS_ADMIN_KEY)"
      : `(${admin.source === "created" ? "created, " : ""}kept in ${admin.file})`;
  const [firstModel] = Object.keys(served);
  const models = Object.entries(served).map(
    ([name, ref]) =>
      `${name} → ${ref} (${supervisor.urls(ref).length} worker${supervisor.urls(ref).length === 1 ? "" : "s"})`,
  );
  const lines = [
    "",
    pc.green(pc.bold("llmops is up")),
    `  base URL   ${pc.bold(`${baseUrl}/v1`)}   (OpenAI-compatible: point any OpenAI client here)`,
    `  API        ${baseUrl}/api/v1`,
    `  metrics    ${baseUrl}/metrics`,
    `  admin key  ${pc.bold(admin.key)}   ${pc.dim(keyNote)}`,
    `  models     ${models.length ? models.join("\n             ") : pc.yellow("none in production: register one with `llmops models register FILE --name N --alias production`")}`,
    "",
    "  try it:",
    `  curl ${baseUrl}/v1/chat/completions \\`,
    `    -H "Authorization: Bearer ${admin.key}" -H "Content-Type: application/json" \\`,
    `    -d '{"model":"${firstModel ?? "MODEL"}","messages":[{"role":"user","content":"Hello"}],"max_tokens":16}'`,
    "",
    pc.dim("  Ctrl-C stops everything; state stays in the home folder."),
    "",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}
