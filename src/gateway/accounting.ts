// Turns a finished request into metrics and one request-log row. Called once per request by whoever
// sends its answer: the proxy (JSON or end of stream), the model routes, the error and not-found
// handlers. Latency therefore ends when the answer is handed to the socket, not when the kernel
// has sent it — the same thing for bodies this small.
import type { FastifyBaseLogger, FastifyRequest } from "fastify";
import { principalOf } from "./auth.js";
import { elapsedMs, type RequestContext } from "./context.js";
import type { GatewayMetrics } from "./metrics.js";
import type { GatewayDeps } from "./types.js";

export type FinishRequest = (request: FastifyRequest, context: RequestContext, status: number) => void;

export function createAccounting(metrics: GatewayMetrics, deps: GatewayDeps, log: FastifyBaseLogger): FinishRequest {
  return function finish(request, context, status) {
    if (context.finished) return;
    context.finished = true;
    const latencyMs = elapsedMs(context);
    const model = context.metricModel;
    const route = context.route;
    metrics.requests.inc({ model, route, status });
    metrics.duration.observe({ model, route }, latencyMs / 1000);
    if (context.errorCode !== null) metrics.errors.inc({ model, route, code: context.errorCode });
    if (context.ttftMs !== null) metrics.ttft.observe({ model }, context.ttftMs / 1000);
    if (context.promptTokens !== null) metrics.tokens.inc({ model, direction: "in" }, context.promptTokens);
    if (context.completionTokens !== null) metrics.tokens.inc({ model, direction: "out" }, context.completionTokens);

    try {
      deps.recordRequest({
        id: request.id,
        at: new Date(Date.now() - latencyMs).toISOString(),
        key_id: principalOf(request)?.keyId ?? null,
        route: route === "not_found" ? request.url.split("?", 1)[0]!.slice(0, 200) : route,
        model: context.model,
        model_version: context.resolved,
        upstream: context.upstream,
        status,
        error_code: context.errorCode,
        prompt_tokens: context.promptTokens,
        completion_tokens: context.completionTokens,
        latency_ms: Math.round(latencyMs * 1000) / 1000,
        ttft_ms: context.ttftMs === null ? null : Math.round(context.ttftMs * 1000) / 1000,
        stream: context.stream ? 1 : 0,
      });
    } catch (error) {
      log.error({ err: error }, "recordRequest threw; the request log misses a row");
    }
    if (status >= 500) {
      log.warn({ reqId: request.id, route, model: context.model, status, code: context.errorCode }, "request failed");
    } else {
      log.debug({ reqId: request.id, route, model: context.model, status, latencyMs }, "request");
    }
  };
}
