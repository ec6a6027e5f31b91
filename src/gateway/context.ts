// What the gateway learns about one request while serving it; turned into metrics and one request-log
// row when the response ends (see accounting.ts).
import type { FastifyRequest } from "fastify";

export interface RequestContext {
  /** Route pattern for labels (`/v1/chat/completions`), or `not_found`. */
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
  /** Set once metrics and the log row are written, so nothing is counted twice. */
  finished: boolean;
}

const contexts = new WeakMap<FastifyRequest, RequestContext>();

export function contextOf(request: FastifyRequest): RequestContext {
  let context = contexts.get(request);
  if (context === undefined) {
    context = {
      route: request.routeOptions.url ?? "not_found",
      model: null,
      metricModel: "",
      resolved: null,
      upstream: null,
      stream: false,
      errorCode: null,
      promptTokens: null,
      completionTokens: null,
      ttftMs: null,
      finished: false,
    };
    contexts.set(request, context);
  }
  return context;
}
