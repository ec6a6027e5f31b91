// Tracing for the gateway and the workers (OpenTelemetry, exported over OTLP/HTTP). Import
// `./provider.js` lazily: it loads the SDK, which only a process with tracing configured needs.
export { createGatewayTracing, type GatewayTracing } from "./gateway.js";
export { createServerTracing, type ServerSpan, type ServerTracing } from "./server-spans.js";
export { contextFromTraceparent, formatTraceparent, parseTraceparent } from "./traceparent.js";
