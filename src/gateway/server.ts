// createGateway: the OpenAI-compatible front door as a Fastify app. The caller listens and closes it;
// closing also closes the upstream connection pool.
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { Registry } from "prom-client";
import { notFound, toOpenAiError } from "../errors.js";
import type { AuditEntry } from "../security/audit.js";
import { createAccounting } from "./accounting.js";
import { installRouteHooks } from "./auth.js";
import { parseJsonBody } from "./body.js";
import { attachContext, contextOf } from "./context.js";
import { toGatewayError } from "./errors.js";
import { lazyChildLogger } from "./lazy-logger.js";
import { createGatewayMetrics, type GatewayMetrics } from "./metrics.js";
import { createPolicy, type PolicyOptions, registerLimitsRoute } from "./policy/index.js";
import { createUpstreamProxy, type GatewayTrafficOptions } from "./proxy.js";
import { requestId } from "./request-id.js";
import { registerInferenceRoutes } from "./routes/inference.js";
import { registerModelRoutes } from "./routes/models.js";
import { OPS_ROUTES, registerOpsRoutes } from "./routes/ops.js";
import { createRoutingStrategy, DEFAULT_ROUTING_STRATEGY, type RoutingStrategy } from "./routing/index.js";
import { UpstreamTracker } from "./routing/upstream-tracker.js";
import type { GatewayTracing } from "./tracing/gateway.js";
import type { GatewayDeps } from "./types.js";
import { UpstreamClient } from "./upstream-client.js";

export interface GatewayOptions {
  deps: GatewayDeps;
  /** A pino logger (e.g. the platform's, with `component: "gateway"`); default: no logging. */
  logger?: FastifyBaseLogger;
  /** Where the llmops_gateway_* metrics are registered (and what GET /metrics serves); default: a new Registry. */
  metricsRegistry?: Registry;
  /** A strategy name ("least-in-flight" default; see routingStrategies) or an instance. */
  routing?: string | RoutingStrategy;
  /** Longest wait for upstream response headers, and between stream chunks (default 600 000 ms → 504). */
  upstreamTimeoutMs?: number;
  /** Longest wait to connect to an upstream before failing over (default 5 000 ms). */
  connectTimeoutMs?: number;
  /** After an upstream refuses a connection, prefer the others for this long (default 2 000 ms; = traffic.circuit.openMs). */
  upstreamCooldownMs?: number;
  /** Retries, circuit breaker, active health checks, timeout bounds, strategy settings (see docs/gateway-routing.md). */
  traffic?: GatewayTrafficOptions;
  /** Largest accepted request body (default 8 MiB → 413 beyond). */
  bodyLimitBytes?: number;
  /** Rate limits and budgets, caches, guardrails (docs/gateway-policy.md); default: none of them. */
  policy?: PolicyOptions;
  /** Receives one audit entry per /v1 request (docs/security.md); must not block. Default: none. */
  audit?: (entry: AuditEntry) => void;
  /** Request and upstream spans (tracing/, docs/observability.md); default: off, at no cost. */
  tracing?: GatewayTracing;
}

const NOT_FOUND_HINT =
  "the gateway serves POST /v1/chat/completions, POST /v1/completions, POST /v1/embeddings, GET /v1/models, GET /healthz and GET /metrics";

export function createGateway(options: GatewayOptions): FastifyInstance {
  const { deps } = options;
  const bodyLimit = options.bodyLimitBytes ?? 8 * 1024 * 1024;
  const app = Fastify({
    ...(options.logger === undefined
      ? { logger: false }
      : { loggerInstance: options.logger, childLoggerFactory: lazyChildLogger }),
    bodyLimit,
    // One request-log row per request replaces Fastify's two log lines per request.
    logController: new LogController({ disableRequestLogging: true }),
    // Request ids are ULIDs: they become the request-log row id; clients cannot choose them.
    requestIdHeader: false,
    genReqId: (raw) => {
      attachContext(raw);
      return requestId();
    },
  }) as unknown as FastifyInstance;
  const log = app.log;

  const tracker = new UpstreamTracker();
  const metrics: GatewayMetrics = createGatewayMetrics(options.metricsRegistry, () => tracker.inFlightSnapshot());
  const strategy =
    typeof options.routing === "object"
      ? options.routing
      : createRoutingStrategy(options.routing ?? DEFAULT_ROUTING_STRATEGY);
  const upstreamTimeoutMs = options.upstreamTimeoutMs ?? 600_000;
  const client = new UpstreamClient({
    timeoutMs: upstreamTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
  });
  const tracing = options.tracing;
  const finish = createAccounting(metrics, deps, log, { audit: options.audit, endSpan: tracing?.end });
  if (tracing !== undefined) {
    app.addHook("onRequest", (request, _reply, done) => {
      tracing.onRequest(request);
      done();
    });
    app.addHook("onClose", async () => tracing.close());
  }
  installRouteHooks(app);
  const traffic = createUpstreamProxy({
    traffic: options.traffic ?? {},
    strategy,
    client,
    tracker,
    timeoutMs: upstreamTimeoutMs,
    cooldownMs: options.upstreamCooldownMs,
    registry: metrics.registry,
    deps,
    finish,
    log,
  });
  const proxy = traffic.proxy;

  // Every body is read as JSON whatever its content type (curl -d sends form encoding), with our
  // error messages instead of Fastify's.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  // Every answer is accounted for (metrics + request-log row) where it is sent: here for errors,
  // in the proxy and the model routes for successes. /healthz and /metrics are not counted.
  app.setErrorHandler((error, request, reply) => {
    const failure = toGatewayError(error, bodyLimit);
    const context = contextOf(request);
    context.errorCode = failure.code;
    if (failure.code === "internal") log.error({ err: error, reqId: request.id }, "internal error in the gateway");
    reply.code(failure.status).header("x-request-id", request.id).send(toOpenAiError(failure));
    if (!OPS_ROUTES.has(context.route)) finish(request, context, failure.status);
    return reply;
  });

  app.setNotFoundHandler((request, reply) => {
    const failure = notFound(`no route ${request.method} ${request.url.split("?", 1)[0]}; ${NOT_FOUND_HINT}`);
    const context = contextOf(request);
    context.errorCode = failure.code;
    reply.code(404).header("x-request-id", request.id).send(toOpenAiError(failure));
    finish(request, context, 404);
    return reply;
  });

  app.addHook("onClose", async () => {
    await traffic.close();
    await client.close();
  });

  registerOpsRoutes(app, metrics.registry);
  registerModelRoutes(app, deps, finish);
  const policy = createPolicy(options.policy, {
    registry: metrics.registry,
    resolveModel: (model) => deps.resolveModel(model),
    finish,
    log,
  });
  if (policy !== undefined) app.addHook("onClose", () => policy.pipeline.close());
  registerLimitsRoute(app, (key) => deps.authenticate(key), policy?.limits);
  registerInferenceRoutes(app, deps, proxy, policy?.pipeline);
  return app;
}
