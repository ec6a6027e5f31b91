// The policy pipeline's contract. A stage is one concern (limits, input guardrails, a cache, output
// guardrails); the pipeline runs their `before` steps in a fixed order before the upstream is called
// and their response steps in reverse order after it, like layers of an onion:
//
//   auth (onRequest) → limits → input guardrails → exact cache → semantic cache → proxy
//   proxy → output guardrails → semantic cache store → exact cache store → limits reconcile (settle)
//
// so output guardrails see (and may mask or block) an answer before any cache stores it, and the
// limits stage settles the tokens actually used last, whatever happened in between.
import type { IncomingHttpHeaders } from "node:http";
import type { LlmopsError } from "../../errors.js";
import type { InferenceBody, InferenceRoute } from "../body.js";
import type { RequestContext } from "../context.js";
import type { Principal, ResolvedModel } from "../types.js";

/** One inference request as the stages see it. */
export interface PolicyRequest {
  readonly id: string;
  readonly route: InferenceRoute;
  readonly principal: Principal;
  /** The body; input guardrails may rewrite `body.json` in place (masking) before it is forwarded. */
  readonly body: InferenceBody;
  readonly resolved: ResolvedModel;
  readonly context: RequestContext;
  readonly headers: IncomingHttpHeaders;
  /** Adds a response header (rate-limit state, cache status); works for JSON and SSE answers alike. */
  setHeader(name: string, value: string): void;
  /** Per-request scratch space of each stage, keyed by stage name. */
  readonly state: Map<string, unknown>;
}

/** An answer a stage already has (a cache hit): the gateway sends it without calling an upstream. */
export interface StoredAnswer {
  /** The upstream's JSON answer as it was stored (non-streamed form, model name as first asked). */
  body: string;
  /** Which cache answered, for the `x-llmops-cache-source` header and metrics. */
  source: "exact" | "semantic";
}

/** SSE events of one upstream chunk, parsed once for every stage that watches the stream. */
export interface StreamChunk {
  /** The text about to be sent to the client (complete lines only). */
  readonly text: string;
  /** The JSON payloads of its `data:` lines (`[DONE]` and unparsable lines left out). */
  readonly events: readonly Record<string, unknown>[];
}

export interface StreamWatcher {
  /** Sees each chunk before the client does; an error stops the stream with that error event. */
  chunk(chunk: StreamChunk): LlmopsError | undefined;
  /** The stream is over: `completed` is false when it was cut, broke or the client left. */
  end(completed: boolean): void;
}

export interface PolicyStage {
  readonly name: string;
  /**
   * Before the upstream: may throw an LlmopsError (limit reached, guardrail block), rewrite the body,
   * or return a stored answer, which ends the `before` chain and skips the upstream.
   */
  before?(request: PolicyRequest): Promise<StoredAnswer | undefined> | StoredAnswer | undefined;
  /**
   * A successful JSON answer (model name already restored), in reverse stage order. Returns the text
   * to send instead (or undefined to keep it); throws an LlmopsError to answer that error instead.
   */
  afterJson?(request: PolicyRequest, text: string, json: Record<string, unknown>): string | undefined;
  /** A successful streamed answer: a watcher for its chunks, or undefined. */
  watchStream?(request: PolicyRequest): StreamWatcher | undefined;
  /**
   * Called exactly once when the request is over (answered, failed, cut, served from a cache, or
   * refused by a later stage), in reverse order. Token counts are on `request.context`.
   */
  settle?(request: PolicyRequest, outcome: RequestOutcome): void;
}

export interface RequestOutcome {
  status: number;
  /** Served from a cache: no upstream tokens were spent. */
  cached: boolean;
}

/** What the proxy calls back into after the upstream answered (see UpstreamProxy.forward). */
export interface ResponseHook {
  /** A 2xx JSON answer about to be sent: returns replacement text, or undefined to send `text`. */
  json(text: string, json: Record<string, unknown>): string | undefined;
  /** A 2xx SSE answer about to be relayed: a tap for its bytes, or undefined. */
  stream(): StreamTap | undefined;
}

/** The proxy's side of a watched stream: raw bytes in, an error out when the stream must stop. */
export interface StreamTap {
  /** Bytes about to be written to the client (complete SSE lines); an error means: send it and stop. */
  write(out: Buffer | string): LlmopsError | undefined;
  /** The stream is over: `completed` is false when it was cut, broke or the client left. */
  end(completed: boolean): void;
}
