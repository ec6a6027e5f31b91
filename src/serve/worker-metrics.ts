// Prometheus metrics of one worker, in a Registry of its own (several workers or a gateway in one
// process must not share or clash over the global registry).
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { EngineStats } from "./engine.js";

export type WorkerRoute = "chat" | "completions" | "embeddings";

export interface WorkerMetrics {
  registry: Registry;
  requests: Counter<"route" | "status">;
  latency: Histogram<"route">;
  timeToFirstToken: Histogram<"route">;
  promptTokens: Counter<"route">;
  completionTokens: Counter<"route">;
  errors: Counter<"route" | "code">;
  inFlight: Gauge;
}

export function createWorkerMetrics(model: string, stats: () => EngineStats): WorkerMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ model });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const metrics: WorkerMetrics = {
    registry,
    requests: new Counter({
      name: "llmops_worker_requests_total",
      help: "Requests to /v1 endpoints by route and HTTP status.",
      labelNames: ["route", "status"],
      registers,
    }),
    latency: new Histogram({
      name: "llmops_worker_request_duration_seconds",
      help: "Time from request to the last byte of the response.",
      labelNames: ["route"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    }),
    timeToFirstToken: new Histogram({
      name: "llmops_worker_time_to_first_token_seconds",
      help: "Time from request to the first generated token (queueing and prompt evaluation included).",
      labelNames: ["route"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    promptTokens: new Counter({
      name: "llmops_worker_prompt_tokens_total",
      help: "Prompt tokens evaluated (BOS and chat template included).",
      labelNames: ["route"],
      registers,
    }),
    completionTokens: new Counter({
      name: "llmops_worker_completion_tokens_total",
      help: "Tokens generated.",
      labelNames: ["route"],
      registers,
    }),
    errors: new Counter({
      name: "llmops_worker_errors_total",
      help: "Failed requests by route and error code (client disconnects count as client_closed).",
      labelNames: ["route", "code"],
      registers,
    }),
    inFlight: new Gauge({
      name: "llmops_worker_in_flight_requests",
      help: "Requests being handled now.",
      registers,
    }),
  };
  new Gauge({
    name: "llmops_worker_queued_requests",
    help: "Requests waiting for a free model slot (autoscaling signal).",
    registers,
    collect() {
      this.set(stats().queued);
    },
  });
  return metrics;
}
