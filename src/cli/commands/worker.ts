// `llmops worker`: one model server process. Serves a registered version (name@alias, name@3) or a
// GGUF file on an OpenAI-compatible API, and announces itself in the metadata store so gateways
// anywhere route to it.
import { existsSync, statSync } from "node:fs";
import path from "node:path";
import { type Command, Option } from "commander";
import { readGgufFile, summarizeGguf } from "../../formats/gguf/index.js";
import { createLogger } from "../../platform/logger.js";
import { configFrom, jsonOption, runAction, wantsJson } from "../context.js";
import { printJson } from "../output.js";
import { parseInteger } from "../parse.js";
import { onShutdown } from "../shutdown.js";

export function registerWorkerCommand(program: Command): void {
  jsonOption(
    program
      .command("worker")
      .description("serve one model with llama.cpp on an OpenAI-compatible API (/v1/chat/completions, …)")
      .requiredOption("-m, --model <ref|file>", "a registered version (name, name@alias, name@3) or a .gguf file")
      .option("-p, --port <port>", "port to listen on (0 = any free port)", "8100")
      .option("--host <host>", "interface to listen on", "127.0.0.1")
      .option("-t, --threads <n>", "llama.cpp threads (set explicitly; 1 per worker is best on CPU)", "1")
      .option("--context-size <n>", "context window in tokens (default: the model's, at most 2048)")
      .option("--advertise-url <url>", "base URL other machines use to reach this worker (default http://HOST:PORT/v1)")
      .option("--no-announce", "do not register in the metadata store (gateways will not route here)")
      .addOption(
        new Option("--kv-cache <type>", "KV-cache precision: f16 (llama.cpp's default) or f32 (exact, 2× memory)")
          .choices(["f16", "f32"])
          .default("f16"),
      ),
  ).action(
    runAction(async (command) => {
      const o = command.opts<{
        model: string;
        port: string;
        host: string;
        threads: string;
        contextSize?: string;
        advertiseUrl?: string;
        announce: boolean;
        kvCache: "f16" | "f32";
      }>();
      const config = configFrom(command);
      // Heavy modules (llama.cpp, Fastify, the stores) load only when the command runs.
      const [{ openPlatform }, { announceWorker }, { startWorker }] = await Promise.all([
        import("../../platform/open.js"),
        import("../../platform/workers.js"),
        import("../../serve/worker-server.js"),
      ]);
      const logger = createLogger(config.log_level, { component: "worker" });
      const port = parseInteger(o.port, "--port", 0, 65535);
      const threads = parseInteger(o.threads, "--threads", 1, 256);
      const isFile = o.model.endsWith(".gguf") || (existsSync(o.model) && statSync(o.model).isFile());
      const platform = isFile && !o.announce ? null : await openPlatform(config);

      let modelPath: string;
      let modelName: string;
      let version: { name: string; version: number; hash: string } | null = null;
      if (isFile) {
        modelPath = path.resolve(o.model);
        modelName = path.basename(modelPath, ".gguf");
      } else {
        const resolved = await platform!.registry.resolve(o.model);
        modelPath = await platform!.artifacts.localPath(resolved.artifactHash);
        modelName = resolved.ref;
        version = { name: resolved.name, version: resolved.version, hash: resolved.artifactHash };
      }
      const summary = summarizeGguf(await readGgufFile(modelPath));
      const contextSize = o.contextSize
        ? parseInteger(o.contextSize, "--context-size", 16, 1_048_576)
        : Math.min(summary.contextLength ?? config.workers.context_size, config.workers.context_size);

      const endpoint = config.tracing?.otlp_endpoint;
      const traced =
        endpoint === undefined || config.tracing === undefined
          ? undefined
          : (await import("../../gateway/tracing/worker.js")).startWorkerTracing(
              { ...config.tracing, otlp_endpoint: endpoint },
              modelName,
            );
      const worker = await startWorker({
        modelPath,
        modelName,
        host: o.host,
        port,
        threads,
        contextSize,
        kvCache: o.kvCache,
        logger,
        tracing: traced?.tracing,
      });
      const url = o.advertiseUrl ?? worker.url;
      const lease =
        platform && o.announce
          ? await announceWorker(platform.store, {
              url,
              modelName: version?.name ?? null,
              modelVersion: version?.version ?? null,
              artifactHash: version?.hash ?? "",
            })
          : null;
      logger.info({ model: modelName, url, threads, contextSize }, "worker ready");
      if (wantsJson(command)) printJson({ model: modelName, url, threads, contextSize, pid: process.pid });
      // Tell a supervising `llmops up` (if any) that the model is loaded.
      if (process.send && process.connected) process.send({ type: "ready", url }, undefined, {}, () => {});

      await onShutdown(async () => {
        await lease?.stop().catch(() => {});
        await worker.close();
        await traced?.shutdown().catch(() => {});
        await platform?.close();
      }).stopped;
    }),
  );
}
