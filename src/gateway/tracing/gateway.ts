// Gateway spans: one SERVER span per /v1 request (child of the client's `traceparent` when it sent
// one) with model, resolved version, upstream, status and token attributes, and one CLIENT span per
// upstream attempt whose context goes to the worker as `traceparent`.
//
// The upstream spans hook undici's diagnostics channels (`undici:request:*`, published for every
// request the gateway's undici Agent sends): the request-create event carries the gateway request
// id in `x-request-id`, which finds the parent span, and lets us add the `traceparent` header. So
// the proxy and the upstream client need no tracing code, every attempt (retries, fallbacks,
// shadows) gets its own span, and nothing is subscribed — no cost at all — when tracing is off.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { type Span, SpanKind, SpanStatusCode, type Tracer, trace } from "@opentelemetry/api";
import type { FastifyRequest } from "fastify";
import type { RequestContext } from "../context.js";
import { contextFromTraceparent, formatTraceparent } from "./traceparent.js";

const MAX_OPEN = 50_000;

interface UndiciRequestLike {
  origin?: unknown;
  path?: unknown;
  method?: unknown;
  headers?: unknown;
  addHeader?: (name: string, value: string) => unknown;
}

export interface GatewayTracing {
  /** onRequest hook: starts the request's span (a no-op for /healthz and /metrics). */
  onRequest(request: FastifyRequest): void;
  /** Ends the request's span; called by accounting when the answer is sent. */
  end(request: FastifyRequest, context: RequestContext, status: number): void;
  /** Stops listening to undici (the gateway closed). */
  close(): void;
}

function requestIdOf(headers: unknown): string | undefined {
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if (headers[i] === "x-request-id") return String(headers[i + 1]);
    }
  } else if (typeof headers === "string") {
    const match = /(?:^|\r\n)x-request-id:\s*([^\r\n]+)/i.exec(headers);
    return match?.[1];
  }
  return undefined;
}

export function createGatewayTracing(tracer: Tracer): GatewayTracing {
  const open = new Map<string, Span>();
  const upstream = new WeakMap<object, Span>();

  const onCreate = (message: unknown) => {
    const request = (message as { request?: UndiciRequestLike }).request;
    if (request === undefined) return;
    const id = requestIdOf(request.headers);
    const parent = id === undefined ? undefined : open.get(id);
    if (parent === undefined) return;
    const origin = String(request.origin ?? "");
    const path = String(request.path ?? "");
    const span = tracer.startSpan(
      `upstream ${String(request.method ?? "POST")} ${path}`,
      {
        kind: SpanKind.CLIENT,
        attributes: { "url.full": origin + path, "server.address": origin, "llmops.request_id": id ?? "" },
      },
      trace.setSpan(contextFromTraceparent(undefined), parent),
    );
    upstream.set(request, span);
    request.addHeader?.("traceparent", formatTraceparent(span.spanContext()));
  };
  const onHeaders = (message: unknown) => {
    const { request, response } = message as { request: object; response?: { statusCode?: number } };
    const span = upstream.get(request);
    if (span === undefined || response?.statusCode === undefined) return;
    span.setAttribute("http.response.status_code", response.statusCode);
    if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  };
  const onTrailers = (message: unknown) => {
    const { request } = message as { request: object };
    upstream.get(request)?.end();
    upstream.delete(request);
  };
  const onError = (message: unknown) => {
    const { request, error } = message as { request: object; error?: unknown };
    const span = upstream.get(request);
    if (span === undefined) return;
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    span.end();
    upstream.delete(request);
  };
  subscribe("undici:request:create", onCreate);
  subscribe("undici:request:headers", onHeaders);
  subscribe("undici:request:trailers", onTrailers);
  subscribe("undici:request:error", onError);

  return {
    onRequest(request) {
      const url = request.url;
      if (url === "/metrics" || url === "/healthz") return;
      if (open.size >= MAX_OPEN) open.clear(); // bounded even if some answer never reaches accounting
      const span = tracer.startSpan(
        `gateway ${request.method} ${url.split("?", 1)[0]}`,
        {
          kind: SpanKind.SERVER,
          attributes: { "llmops.request_id": request.id, "http.request.method": request.method },
        },
        contextFromTraceparent(request.headers.traceparent),
      );
      open.set(request.id, span);
    },
    end(request, context, status) {
      const span = open.get(request.id);
      if (span === undefined) return;
      open.delete(request.id);
      span.updateName(`gateway ${request.method} ${context.route}`);
      span.setAttributes({
        "http.route": context.route,
        "http.response.status_code": status,
        "llmops.model": context.model ?? "",
        "llmops.model.resolved": context.resolved ?? "",
        "llmops.upstream": context.upstream ?? "",
        "llmops.stream": context.stream,
      });
      if (context.promptTokens !== null) span.setAttribute("gen_ai.usage.input_tokens", context.promptTokens);
      if (context.completionTokens !== null) span.setAttribute("gen_ai.usage.output_tokens", context.completionTokens);
      if (context.ttftMs !== null) span.setAttribute("llmops.ttft_ms", context.ttftMs);
      if (context.errorCode !== null) span.setAttribute("error.type", context.errorCode);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
    close() {
      unsubscribe("undici:request:create", onCreate);
      unsubscribe("undici:request:headers", onHeaders);
      unsubscribe("undici:request:trailers", onTrailers);
      unsubscribe("undici:request:error", onError);
      for (const span of open.values()) span.end();
      open.clear();
    },
  };
}
