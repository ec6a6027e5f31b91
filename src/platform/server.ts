// The HTTP server of `llmops gateway` and `llmops up`: the OpenAI-compatible gateway (/v1, /metrics,
// /healthz) with the control-plane API (/api/v1) mounted beside it, wired to the platform's
// registry, keys and stores.
import type { AddressInfo } from "node:net";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { Registry } from "prom-client";
import { alertRoutes } from "../api/routes/alerts.js";
import { registerApi } from "../api/server.js";
import { LlmopsError } from "../errors.js";
import { createBatchedRequestRecorder, createGateway, type ShadowSample } from "../gateway/index.js";
import { createEmbedder } from "../gateway/policy/embedder.js";
import { startCapture } from "../monitor/bodies.js";
import { startMonitoring } from "../monitor/drift/monitoring.js";
import { RolloutStore } from "../registry/rollouts.js";
import type { Platform } from "./open.js";
import { gatewayTrafficOptions, ModelRouter, rolloutHooks } from "./routing.js";
import { startSecurity } from "./security.js";
import { registerDashboard } from "./static.js";

export interface RunningServer {
  /** Scheme, host and port, e.g. http://127.0.0.1:8080 */
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function startServer(
  platform: Platform,
  options: { host: string; port: number; logger: Logger },
): Promise<RunningServer> {
  const { logger } = options;
  const rollouts = new RolloutStore(platform.store, platform.registry);
  const router = new ModelRouter(platform.store, platform.registry, platform.config.upstreams, process.env, {
    routing: platform.config.routing,
    rollouts,
  });
  const shadowRecorder = createBatchedRequestRecorder((rows: ShadowSample[]) => rollouts.insertShadowSamples(rows), {
    onError: (error, dropped) => logger.error({ err: error, dropped }, "could not write shadow samples"),
  });
  // The request log, drift rows, captures and checks go through platform.jobs: the writer thread for
  // `llmops gateway` / `llmops up`. Batches leave every 200 ms, so queued rows die young (cheap GC).
  const { jobs } = platform;
  const recorder = createBatchedRequestRecorder((rows) => jobs.run("requests", rows), {
    flushMs: 200,
    onError: (error, dropped) => logger.error({ err: error, dropped }, "could not write the request log"),
  });
  // Audit, auth and tracing (docs/security.md, docs/observability.md) share the gateway's registry.
  const registry = new Registry();
  const security = await startSecurity(platform, registry, logger);
  // Drift checks and alerts (docs/monitoring.md), in the gateway's registry so /metrics shows them.
  const monitoring = startMonitoring({
    store: platform.store,
    config: platform.config,
    registry,
    log: logger,
    batch: createBatchedRequestRecorder,
    embedder: (model) => createEmbedder(model, (m) => router.resolve(m)),
    storeFeatures: (inputs) => jobs.run("features", inputs),
    check: (config, at) => jobs.run("drift-check", { config, at }),
  });
  // Opt-in prompt/response capture (docs/dashboard.md), redacted in its batched writer.
  const captureConfig = platform.config.capture;
  const capture = captureConfig?.enabled
    ? startCapture({
        store: platform.store,
        config: captureConfig,
        batch: createBatchedRequestRecorder,
        log: logger,
        storeCaptures: (batch) => jobs.run("captures", batch),
      })
    : undefined;
  const app = createGateway({
    metricsRegistry: registry,
    ...security.gatewayOptions,
    deps: {
      authenticate: (key) => platform.keys.authenticate(key),
      authenticateCached: (key) => platform.keys.authenticateCached(key),
      resolveModel: (model) => router.resolve(model),
      listModels: () => router.list(),
      recordRequest: (row) => recorder.record(row),
      rollouts: rolloutHooks(
        rollouts,
        (sample) => shadowRecorder.record(sample),
        () => router.invalidate(),
      ),
    },
    ...gatewayTrafficOptions(platform.config.routing),
    logger: logger as unknown as FastifyBaseLogger,
    policy: {
      limits: platform.config.limits,
      cache: platform.config.cache,
      guardrails: platform.config.guardrails,
      redisUrl: platform.config.redis_url,
      home: platform.config.home,
      databaseUrl: platform.config.database_url,
      monitor: monitoring.sink,
      capture: capture && {
        sink: (input) => capture.record(input),
        sampleRate: captureConfig?.sample_rate ?? 1,
      },
      onLimits: (limits) => monitoring.setLimits(limits),
    },
  });
  await app.register(async (api) => registerApi(api, platform));
  await app.register(async (api) => alertRoutes(api, platform, monitoring));
  await registerDashboard(app);
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (error) {
    await app.close().catch(() => {});
    await monitoring.close();
    await capture?.close();
    await recorder.close();
    await security.close();
    await shadowRecorder.close();
    const code = (error as { code?: string }).code;
    throw new LlmopsError(
      "unavailable",
      code === "EADDRINUSE"
        ? `Port ${options.port} is already in use; choose another with --port or LLMOPS_PORT.`
        : `Cannot listen on ${options.host}:${options.port}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const address = app.server.address() as AddressInfo;
  const host = ["0.0.0.0", "::"].includes(address.address) ? "127.0.0.1" : address.address;
  return {
    url: `http://${address.family === "IPv6" && host !== "127.0.0.1" ? `[${host}]` : host}:${address.port}`,
    app,
    async close() {
      await app.close();
      await monitoring.close();
      await capture?.close();
      await recorder.close();
      // After the gateway stopped: every request it answered is in the audit queue, written here.
      await security.close();
      await shadowRecorder.close();
    },
  };
}
