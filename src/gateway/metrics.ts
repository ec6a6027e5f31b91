// Prometheus metrics of the gateway. Label values are bounded: `model` is the requested name only
// once it resolved (unresolvable names are client-controlled and would explode cardinality),
// `route` is the route pattern, never the raw URL.
import { Counter, Gauge, Histogram, Registry } from "prom-client";

// Milliseconds matter for gateway overhead, minutes for CPU generation: cover both.
const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
];

export interface GatewayMetrics {
  readonly registry: Registry;
  readonly requests: Counter<"model" | "route" | "status">;
  readonly duration: Histogram<"model" | "route">;
  readonly ttft: Histogram<"model">;
  readonly tokens: Counter<"model" | "direction">;
  readonly errors: Counter<"model" | "route" | "code">;
  readonly upstreamInFlight: Gauge<"upstream">;
}

/** Reuses a metric already registered under that name, so two gateways can share one registry. */
function existing<T>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}

export function createGatewayMetrics(
  registry: Registry = new Registry(),
  inFlight: () => ReadonlyMap<string, number>,
): GatewayMetrics {
  const requests =
    existing<Counter<"model" | "route" | "status">>(registry, "llmops_gateway_requests_total") ??
    new Counter({
      name: "llmops_gateway_requests_total",
      help: "Requests answered by the gateway, by requested model, route and HTTP status.",
      labelNames: ["model", "route", "status"],
      registers: [registry],
    });
  const duration =
    existing<Histogram<"model" | "route">>(registry, "llmops_gateway_request_duration_seconds") ??
    new Histogram({
      name: "llmops_gateway_request_duration_seconds",
      help: "Time from request arrival to the last byte of the response (streams included).",
      labelNames: ["model", "route"],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
  const ttft =
    existing<Histogram<"model">>(registry, "llmops_gateway_time_to_first_token_seconds") ??
    new Histogram({
      name: "llmops_gateway_time_to_first_token_seconds",
      help: "Streaming requests: time from request arrival to the first body byte from the upstream.",
      labelNames: ["model"],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
  const tokens =
    existing<Counter<"model" | "direction">>(registry, "llmops_gateway_tokens_total") ??
    new Counter({
      name: "llmops_gateway_tokens_total",
      help: "Tokens reported in upstream `usage`: direction in = prompt, out = completion.",
      labelNames: ["model", "direction"],
      registers: [registry],
    });
  const errors =
    existing<Counter<"model" | "route" | "code">>(registry, "llmops_gateway_errors_total") ??
    new Counter({
      name: "llmops_gateway_errors_total",
      help: "Requests that ended in an error, by error code (ours or the upstream's).",
      labelNames: ["model", "route", "code"],
      registers: [registry],
    });
  const upstreamInFlight =
    existing<Gauge<"upstream">>(registry, "llmops_gateway_upstream_in_flight") ??
    new Gauge({
      name: "llmops_gateway_upstream_in_flight",
      help: "Requests sent to each upstream whose response has not finished.",
      labelNames: ["upstream"],
      registers: [registry],
      // Read at scrape time: the hot path only touches a Map.
      collect() {
        for (const [upstream, count] of inFlight()) this.set({ upstream }, count);
      },
    });
  return { registry, requests, duration, ttft, tokens, errors, upstreamInFlight };
}

export interface SecurityMetrics {
  readonly auth: Counter<"outcome">;
  readonly auditEntries: Counter;
  readonly auditBatch: Histogram;
  readonly auditErrors: Counter;
  readonly auditDropped: Counter;
  readonly auditQueue: Gauge;
}

/**
 * Metrics of authentication and of the audit trail, registered beside the gateway's:
 * `llmops_auth_requests_total{outcome}` (cached | refreshed | verified | denied),
 * `llmops_audit_entries_total`, `llmops_audit_batch_seconds`, `llmops_audit_append_errors_total`,
 * `llmops_audit_dropped_total` and `llmops_audit_queue_entries` (read at scrape time).
 */
export function createSecurityMetrics(registry: Registry, auditQueue: () => number): SecurityMetrics {
  const auth =
    existing<Counter<"outcome">>(registry, "llmops_auth_requests_total") ??
    new Counter({
      name: "llmops_auth_requests_total",
      help: "API-key checks by outcome: cached, refreshed (state re-read), verified (scrypt), denied.",
      labelNames: ["outcome"],
      registers: [registry],
    });
  const auditEntries =
    existing<Counter>(registry, "llmops_audit_entries_total") ??
    new Counter({
      name: "llmops_audit_entries_total",
      help: "Entries this process appended to the audit chain in batches (requests and API calls).",
      registers: [registry],
    });
  const auditBatch =
    existing<Histogram>(registry, "llmops_audit_batch_seconds") ??
    new Histogram({
      name: "llmops_audit_batch_seconds",
      help: "Time to append one batch of audit entries (one transaction holding the chain's head).",
      buckets: [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
  const auditErrors =
    existing<Counter>(registry, "llmops_audit_append_errors_total") ??
    new Counter({
      name: "llmops_audit_append_errors_total",
      help: "Failed audit batch appends (each is retried; see llmops_audit_dropped_total for losses).",
      registers: [registry],
    });
  const auditDropped =
    existing<Counter>(registry, "llmops_audit_dropped_total") ??
    new Counter({
      name: "llmops_audit_dropped_total",
      help: "Audit entries lost: queue full while the database was down, or shutdown past its deadline.",
      registers: [registry],
    });
  const auditQueueGauge =
    existing<Gauge>(registry, "llmops_audit_queue_entries") ??
    new Gauge({
      name: "llmops_audit_queue_entries",
      help: "Audit entries waiting to be appended.",
      registers: [registry],
      collect() {
        this.set(auditQueue());
      },
    });
  return { auth, auditEntries, auditBatch, auditErrors, auditDropped, auditQueue: auditQueueGauge };
}
