// Prometheus metrics of routing and resilience: circuit states, retries, fallbacks, shadow
// requests. Registered in the gateway's registry next to llmops_gateway_* request metrics.
import { Counter, Gauge, type Registry } from "prom-client";
import type { CircuitState, HealthTracker } from "./circuit-breaker.js";

export interface TrafficMetrics {
  /** Extra attempts after the first (another upstream or the same one again). */
  retries: Counter<"model">;
  /** Requests answered by a fallback model (`from` = requested model, `to` = the fallback). */
  fallbacks: Counter<"from" | "to">;
  circuitTransitions: Counter<"upstream" | "to">;
  rolloutRequests: Counter<"rollout" | "arm">;
  rolloutRollbacks: Counter<"rollout">;
  shadowRequests: Counter<"rollout" | "outcome">;
}

const STATE_VALUE: Record<CircuitState, number> = { closed: 0, "half-open": 1, open: 2 };

function reuse<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function createTrafficMetrics(registry: Registry, health: () => HealthTracker): TrafficMetrics {
  reuse(
    registry,
    "llmops_gateway_upstream_circuit_state",
    () =>
      new Gauge({
        name: "llmops_gateway_upstream_circuit_state",
        help: "Circuit breaker state per upstream: 0 closed (in rotation), 1 half-open (probing), 2 open (ejected).",
        labelNames: ["upstream"],
        registers: [registry],
        collect() {
          this.reset();
          for (const entry of health().snapshot()) this.set({ upstream: entry.upstream }, STATE_VALUE[entry.state]);
        },
      }),
  );
  return {
    retries: reuse(
      registry,
      "llmops_gateway_retries_total",
      () =>
        new Counter({
          name: "llmops_gateway_retries_total",
          help: "Attempts after the first for one request (failover to another upstream or a retry after backoff).",
          labelNames: ["model"],
          registers: [registry],
        }),
    ),
    fallbacks: reuse(
      registry,
      "llmops_gateway_fallbacks_total",
      () =>
        new Counter({
          name: "llmops_gateway_fallbacks_total",
          help: "Requests served by a fallback model after every upstream of the requested one failed.",
          labelNames: ["from", "to"],
          registers: [registry],
        }),
    ),
    circuitTransitions: reuse(
      registry,
      "llmops_gateway_circuit_transitions_total",
      () =>
        new Counter({
          name: "llmops_gateway_circuit_transitions_total",
          help: "Circuit breaker state changes per upstream (to = closed, open, half-open).",
          labelNames: ["upstream", "to"],
          registers: [registry],
        }),
    ),
    rolloutRequests: reuse(
      registry,
      "llmops_gateway_rollout_requests_total",
      () =>
        new Counter({
          name: "llmops_gateway_rollout_requests_total",
          help: "Requests to an alias under a rollout, by arm (stable, candidate).",
          labelNames: ["rollout", "arm"],
          registers: [registry],
        }),
    ),
    rolloutRollbacks: reuse(
      registry,
      "llmops_gateway_rollout_rollbacks_total",
      () =>
        new Counter({
          name: "llmops_gateway_rollout_rollbacks_total",
          help: "Automatic rollbacks this gateway triggered because a candidate breached its SLO.",
          labelNames: ["rollout"],
          registers: [registry],
        }),
    ),
    shadowRequests: reuse(
      registry,
      "llmops_gateway_shadow_requests_total",
      () =>
        new Counter({
          name: "llmops_gateway_shadow_requests_total",
          help: "Mirrored requests to a shadow candidate (outcome = ok, error, skipped).",
          labelNames: ["rollout", "outcome"],
          registers: [registry],
        }),
    ),
  };
}
