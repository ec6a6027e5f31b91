// Turns a finished request into metrics, one request-log row and one audit entry. Called once per
// request by whoever sends its answer: the proxy (JSON or end of stream), the model routes, the
// error and not-found handlers. Latency therefore ends when the answer is handed to the socket, not
// when the kernel has sent it — the same thing for bodies this small.
import type { FastifyBaseLogger, FastifyRequest } from "fastify";
import type { AuditEntry } from "../security/audit.js";
import type { Principal } from "../security/principal.js";
import { principalOf } from "./auth.js";
import { elapsedMs, type RequestContext } from "./context.js";
import type { GatewayMetrics } from "./metrics.js";
import type { GatewayDeps } from "./types.js";

export type FinishRequest = (request: FastifyRequest, context: RequestContext, status: number) => void;

/** Optional consumers of finished requests; each is skipped entirely (no work at all) when absent. */
export interface AccountingHooks {
  /** Receives one audit entry per /v1 request; must return at once (see createAuditWriter). */
  audit?: ((entry: AuditEntry) => void) | undefined;
  /** Ends the request's trace span (see tracing/). */
  endSpan?: ((request: FastifyRequest, context: RequestContext, status: number) => void) | undefined;
}

/** The audit `actor` of a key: `key:NAME(ID)`, as the control-plane API writes it. */
export function auditActor(principal: Principal | undefined): string {
  return principal === undefined ? "anonymous" : `key:${principal.name}(${principal.keyId})`;
}

/** One audit entry for a /v1 request: who, what, when, model version, tokens, status, guardrails. */
export function requestAuditEntry(
  request: FastifyRequest,
  context: RequestContext,
  status: number,
  arrivedAt: string,
  latencyMs: number,
): AuditEntry {
  const principal = principalOf(request);
  const route = context.route === "not_found" ? request.url.split("?", 1)[0]!.slice(0, 200) : context.route;
  // gw-policy's guardrail decisions ride on the context; read them without depending on their shape.
  const guardrails = (context as { guardrails?: readonly unknown[] }).guardrails;
  return {
    at: arrivedAt,
    actor: auditActor(principal),
    action: "gateway.request",
    target: context.model === null ? `route:${route}` : `model:${context.model}`,
    details: {
      requestId: request.id,
      method: request.method,
      route,
      status,
      keyId: principal?.keyId ?? null,
      role: principal?.role ?? null,
      team: principal?.team ?? null,
      model: context.model,
      resolved: context.resolved,
      upstream: context.upstream,
      stream: context.stream,
      promptTokens: context.promptTokens,
      completionTokens: context.completionTokens,
      latencyMs: Math.round(latencyMs * 1000) / 1000,
      errorCode: context.errorCode,
      guardrails: guardrails !== undefined && guardrails.length > 0 ? guardrails : [],
    },
  };
}

export function createAccounting(
  metrics: GatewayMetrics,
  deps: GatewayDeps,
  log: FastifyBaseLogger,
  hooks: AccountingHooks = {},
): FinishRequest {
  const { audit, endSpan } = hooks;
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

    const arrivedAt = new Date(Date.now() - latencyMs).toISOString();
    try {
      deps.recordRequest({
        id: request.id,
        at: arrivedAt,
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
    if (audit !== undefined) {
      try {
        audit(requestAuditEntry(request, context, status, arrivedAt, latencyMs));
      } catch (error) {
        log.error({ err: error }, "the audit sink threw; the audit trail misses a request");
      }
    }
    if (endSpan !== undefined) endSpan(request, context, status);
    if (status >= 500) {
      log.warn({ reqId: request.id, route, model: context.model, status, code: context.errorCode }, "request failed");
    } else {
      log.debug({ reqId: request.id, route, model: context.model, status, latencyMs }, "request");
    }
  };
}
