// What the gateway learns about one request while serving it; turned into metrics and one request-log
// row when the response ends (see accounting.ts).
//
// The context rides on the raw IncomingMessage and is created by genReqId, the first thing Fastify
// does with a request. That gives a start time without an onRequest/onResponse hook pair: a global
// onResponse hook made Fastify attach response listeners to every request and measured ~20 µs of
// CPU per request (≈15% of the gateway's cost) on the dev box.
import type { IncomingMessage } from "node:http";
import type { FastifyRequest } from "fastify";

/** One guardrail verdict on a request (the audit log records them; values found are never in `reason`). */
export interface GuardrailDecision {
  /** Which guardrail: "pii", "injection", "size", "banned_terms". */
  name: string;
  stage: "input" | "output";
  action: "log" | "mask" | "block";
  reason: string;
}

export interface RequestContext {
  /** performance.now() when the request arrived. */
  readonly startedAt: number;
  /** Route pattern for labels (`/v1/chat/completions`), or `not_found`; set on first contextOf(). */
  route: string;
  /** Model as the client asked for it (null until the body was read). */
  model: string | null;
  /** Metrics label: the requested model once it resolved, else "" (bounded cardinality). */
  metricModel: string;
  /** Resolved version (`tiny@3`) or upstream name. */
  resolved: string | null;
  /** Id of the upstream that answered (the last one tried). */
  upstream: string | null;
  stream: boolean;
  /** Our error code, or the upstream's `error.code`/`error.type` when its error was passed through. */
  errorCode: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  ttftMs: number | null;
  /** Guardrail decisions, in the order they were taken (empty when no guardrail fired). */
  guardrails: GuardrailDecision[];
  /** Set once metrics and the log row are written, so nothing is counted twice. */
  finished: boolean;
}

const kContext = Symbol("llmops.gateway.context");
type WithContext = IncomingMessage & { [kContext]?: RequestContext };

function newContext(startedAt: number): RequestContext {
  return {
    startedAt,
    route: "",
    model: null,
    metricModel: "",
    resolved: null,
    upstream: null,
    stream: false,
    errorCode: null,
    promptTokens: null,
    completionTokens: null,
    ttftMs: null,
    guardrails: [],
    finished: false,
  };
}

/** Called from genReqId: starts the clock of a request. */
export function attachContext(raw: IncomingMessage): void {
  (raw as WithContext)[kContext] = newContext(performance.now());
}

export function contextOf(request: FastifyRequest): RequestContext {
  const raw = request.raw as WithContext;
  let context = raw[kContext];
  if (context === undefined) {
    context = newContext(performance.now());
    raw[kContext] = context;
  }
  if (context.route === "") context.route = request.routeOptions.url ?? "not_found";
  return context;
}

/** Milliseconds since the request arrived. */
export function elapsedMs(context: RequestContext): number {
  return performance.now() - context.startedAt;
}
