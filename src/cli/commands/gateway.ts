// `llmops gateway`: the OpenAI-compatible front door (and the control-plane API) on its own, for
// scaling out: run several behind a load balancer, with workers started anywhere.
import type { Command } from "commander";
import { createLogger } from "../../platform/logger.js";
import { configFrom, jsonOption, runAction, wantsJson } from "../context.js";
import { printJson } from "../output.js";
import { parseInteger } from "../parse.js";
import { onShutdown } from "../shutdown.js";

export function registerGatewayCommand(program: Command): void {
  jsonOption(
    program
      .command("gateway")
      .description("serve /v1 (OpenAI-compatible), /api/v1 and /metrics, routing to live workers and upstreams")
      .option("-p, --port <port>", "port (LLMOPS_PORT, default 8080)")
      .option("--host <host>", "interface (LLMOPS_HOST, default 127.0.0.1)"),
  ).action(
    runAction(async (command) => {
      const o = command.opts<{ port?: string; host?: string }>();
      const server: { port?: number; host?: string } = {};
      if (o.port) server.port = parseInteger(o.port, "--port", 0, 65535);
      if (o.host) server.host = o.host;
      const config = configFrom(command, Object.keys(server).length ? { server } : {});
      const logger = createLogger(config.log_level, { component: "gateway" });
      // Heavy modules (Fastify, the stores) load only when the command runs.
      const [{ openPlatform }, { startServer }] = await Promise.all([
        import("../../platform/open.js"),
        import("../../platform/server.js"),
      ]);
      const platform = await openPlatform(config, { writerThread: true });
      const running = await startServer(platform, { host: config.server.host, port: config.server.port, logger }).catch(
        async (error: unknown) => {
          await platform.close();
          throw error;
        },
      );
      if (wantsJson(command)) printJson({ baseUrl: `${running.url}/v1`, apiUrl: `${running.url}/api/v1` });
      else process.stdout.write(`llmops gateway listening on ${running.url}/v1\n`);
      await onShutdown(async () => {
        await running.close();
        await platform.close();
      }).stopped;
    }),
  );
}
