// W3C Trace Context (`traceparent: 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`), parsed and
// written by hand: two lines of code, no propagator objects on the request path.
import { type Context, ROOT_CONTEXT, type SpanContext, TraceFlags, trace } from "@opentelemetry/api";

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;
const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);

/** The remote parent carried by a `traceparent` header, or undefined when absent or invalid. */
export function parseTraceparent(header: string | string[] | undefined): SpanContext | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const match = TRACEPARENT.exec(value.trim().toLowerCase());
  if (match === null || match[1] === "ff" || match[2] === ZERO_TRACE || match[3] === ZERO_SPAN) return undefined;
  return {
    traceId: match[2]!,
    spanId: match[3]!,
    traceFlags: Number.parseInt(match[4]!, 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
}

export function formatTraceparent(span: SpanContext): string {
  return `00-${span.traceId}-${span.spanId}-0${span.traceFlags & TraceFlags.SAMPLED}`;
}

/** An OpenTelemetry context whose parent is the incoming `traceparent` (the root context when none). */
export function contextFromTraceparent(header: string | string[] | undefined): Context {
  const parent = parseTraceparent(header);
  return parent === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, parent);
}
