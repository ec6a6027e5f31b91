// Tracing for a worker process (`llmops worker`): SERVER spans per /v1 request, children of the
// gateway's upstream spans through `traceparent`, exported like the gateway's. Loaded only when
// `tracing.otlp_endpoint` is configured.
import type { TracingConfig } from "../../config/security.js";
import { createOtlpTracer } from "./provider.js";
import { createServerTracing, type ServerTracing } from "./server-spans.js";

export function startWorkerTracing(
  config: TracingConfig & { otlp_endpoint: string },
  modelName: string,
): { tracing: ServerTracing; shutdown(): Promise<void> } {
  const otlp = createOtlpTracer({
    endpoint: config.otlp_endpoint,
    serviceName: `${config.service_name.replace(/-gateway$/, "")}-worker`,
    headers: config.headers,
  });
  return {
    tracing: createServerTracing(otlp.tracer, { "llmops.model": modelName }),
    shutdown: () => otlp.shutdown(),
  };
}
