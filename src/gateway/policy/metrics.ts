// Prometheus metrics of the policy stages, in the gateway's registry (GET /metrics). Labels are
// bounded: scopes, measures, cache kinds, results, guardrail names and actions are fixed sets.
import { Counter, type Registry } from "prom-client";

export interface PolicyMetrics {
  readonly rateLimited: Counter<"scope" | "measure">;
  readonly cache: Counter<"cache" | "result">;
  readonly guardrails: Counter<"guardrail" | "stage" | "action">;
}

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Counter<L> {
  // Reuse a metric already registered (two gateways in one process may share a registry).
  const existing = registry.getSingleMetric(name) as Counter<L> | undefined;
  return existing ?? new Counter({ name, help, labelNames, registers: [registry] });
}

export function createPolicyMetrics(registry: Registry): PolicyMetrics {
  return {
    rateLimited: counter(
      registry,
      "llmops_gateway_rate_limited_total",
      "Requests refused by a rate limit or budget, by scope (key, team, model) and measure.",
      ["scope", "measure"],
    ),
    cache: counter(
      registry,
      "llmops_gateway_cache_requests_total",
      "Cache lookups by cache (exact, semantic) and result (hit, miss, bypass); hit rate = hit / (hit + miss).",
      ["cache", "result"],
    ),
    guardrails: counter(
      registry,
      "llmops_gateway_guardrail_decisions_total",
      "Guardrail decisions by guardrail, stage (input, output) and action (log, mask, block).",
      ["guardrail", "stage", "action"],
    ),
  };
}
