// One SERVER span per request of a plain HTTP server (the worker), child of the caller's
// `traceparent`, so a gateway request and the worker's handling of it share one trace.
import type { IncomingHttpHeaders } from "node:http";
import { type Attributes, SpanKind, SpanStatusCode, type Tracer } from "@opentelemetry/api";
import { contextFromTraceparent } from "./traceparent.js";

export interface ServerSpan {
  /** Ends the span with the response status (≥ 500 marks it as an error). */
  end(status: number, attributes?: Attributes): void;
}

/** The structural contract the worker server accepts (it declares the same shape, without importing us). */
export interface ServerTracing {
  start(headers: IncomingHttpHeaders, name: string): ServerSpan;
}

export function createServerTracing(tracer: Tracer, attributes: Attributes = {}): ServerTracing {
  return {
    start(headers, name) {
      const span = tracer.startSpan(
        name,
        { kind: SpanKind.SERVER, attributes: { ...attributes, "llmops.request_id": headers["x-request-id"] ?? "" } },
        contextFromTraceparent(headers.traceparent),
      );
      let ended = false;
      return {
        end(status, extra) {
          if (ended) return;
          ended = true;
          span.setAttribute("http.response.status_code", status);
          if (extra !== undefined) span.setAttributes(extra);
          if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        },
      };
    },
  };
}
