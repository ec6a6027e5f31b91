// Shadow traffic: after the primary has answered the client, the same request is sent to the
// candidate (never streamed), and both answers are recorded side by side. It starts only once the
// client's response is complete and nothing waits for it, so it cannot change what the client
// gets or how long it waits; a cap on concurrent shadows keeps a slow candidate from piling up.
import { ulid } from "ulid";
import { answerText } from "../../monitor/drift/features.js";
import type { UpstreamTracker } from "../routing/upstream-tracker.js";
import type { Upstream } from "../types.js";
import type { UpstreamClient } from "../upstream-client.js";
import type { RolloutController } from "./controller.js";
import type { RolloutRoute } from "./types.js";

/** Outputs are truncated to this many characters in shadow samples. */
export const SHADOW_OUTPUT_CHARS = 2000;

export interface PrimaryResult {
  requestId: string;
  route: string;
  status: number;
  latencyMs: number;
  output: string | null;
}

export interface ShadowParts {
  client: UpstreamClient;
  tracker: UpstreamTracker;
  controller: RolloutController;
  /** Healthy upstreams of the candidate (empty when none). */
  candidates(upstreams: readonly Upstream[]): readonly Upstream[];
  onOutcome(rolloutId: string, outcome: "ok" | "error" | "skipped"): void;
}

/** The text of the first choice of an OpenAI answer (chat or completion), truncated; null when it has none. */
export function shadowOutput(json: Record<string, unknown> | null): string | null {
  if (json === null || !Array.isArray(json.choices) || json.choices.length === 0) return null;
  const text = answerText(json);
  return text.length > SHADOW_OUTPUT_CHARS ? text.slice(0, SHADOW_OUTPUT_CHARS) : text;
}

export function mirror(
  parts: ShadowParts,
  rollout: RolloutRoute,
  path: string,
  json: Record<string, unknown>,
  primary: PrimaryResult,
): void {
  const { controller } = parts;
  const candidates = parts.candidates(rollout.candidate.upstreams);
  if (candidates.length === 0 || !controller.startShadow()) {
    parts.onOutcome(rollout.id, "skipped");
    return;
  }
  let upstream = candidates[0]!;
  for (const candidate of candidates) {
    if (parts.tracker.inFlight(candidate.id) < parts.tracker.inFlight(upstream.id)) upstream = candidate;
  }
  const body: Record<string, unknown> = { ...json, model: upstream.model, stream: false };
  delete body.stream_options;
  const started = performance.now();
  parts.tracker.begin(upstream.id);
  const exchange = parts.client.post(upstream, path, JSON.stringify(body), `${primary.requestId}-shadow`);
  const record = (status: number | null, output: string | null, error: string | null) => {
    parts.tracker.end(upstream.id);
    controller.endShadow();
    parts.onOutcome(rollout.id, error === null && status !== null && status < 500 ? "ok" : "error");
    controller.recordShadow({
      id: ulid(),
      rollout_id: rollout.id,
      request_id: primary.requestId,
      at: new Date().toISOString(),
      route: primary.route,
      primary_version: rollout.stable.resolved,
      primary_status: primary.status,
      primary_latency_ms: round(primary.latencyMs),
      primary_output: primary.output,
      candidate_version: rollout.candidate.resolved,
      candidate_status: status,
      candidate_latency_ms: round(performance.now() - started),
      candidate_output: output,
      candidate_error: error,
    });
  };
  exchange.headers
    .then(() => exchange.body())
    .then(
      (buffer) => {
        let json: Record<string, unknown> | null = null;
        try {
          const parsed: unknown = JSON.parse(buffer.toString("utf8"));
          if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
            json = parsed as Record<string, unknown>;
          }
        } catch {
          // not JSON: recorded with no output
        }
        const error =
          exchange.statusCode >= 400 && json !== null && typeof json.error === "object" && json.error !== null
            ? String((json.error as { message?: unknown }).message ?? "error").slice(0, 500)
            : null;
        record(exchange.statusCode, shadowOutput(json), error);
      },
      (error: unknown) => {
        record(null, null, (error instanceof Error ? error.message : String(error)).slice(0, 500));
      },
    );
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
