// The OpenTelemetry SDK, set up only when `tracing.otlp_endpoint` is configured: spans are batched
// and exported over OTLP/HTTP (JSON) to any collector (OpenTelemetry Collector, Jaeger, Tempo…).
// Nothing here is loaded when tracing is off (callers import this module lazily), so tracing costs
// nothing then. The provider is not registered globally: each process part gets its own tracer.
import type { Tracer } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";

export interface TracerOptions {
  /** Collector base URL (`http://127.0.0.1:4318`) or the full traces URL (`…/v1/traces`). */
  endpoint: string;
  serviceName: string;
  /** Extra HTTP headers for the collector (e.g. an auth token). */
  headers?: Record<string, string>;
  /** How often batched spans are sent (default 1 000 ms). */
  exportIntervalMs?: number;
}

export interface OtlpTracer {
  readonly tracer: Tracer;
  /** Sends every span that ended so far. */
  flush(): Promise<void>;
  /** Flushes and stops exporting. */
  shutdown(): Promise<void>;
}

/** `http://host:4318` → `http://host:4318/v1/traces`; a URL already ending in /v1/traces is kept. */
export function tracesUrl(endpoint: string): string {
  const trimmed = endpoint.replace(/\/+$/, "");
  return trimmed.endsWith("/v1/traces") ? trimmed : `${trimmed}/v1/traces`;
}

export function createOtlpTracer(options: TracerOptions): OtlpTracer {
  const exporter = new OTLPTraceExporter({ url: tracesUrl(options.endpoint), headers: options.headers ?? {} });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": options.serviceName }),
    spanProcessors: [
      new BatchSpanProcessor(exporter, {
        scheduledDelayMillis: options.exportIntervalMs ?? 1_000,
        maxQueueSize: 20_000,
        maxExportBatchSize: 1_000,
      }),
    ],
  });
  return {
    tracer: provider.getTracer("llmops"),
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}
