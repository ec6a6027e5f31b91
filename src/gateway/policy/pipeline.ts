// Runs the policy stages around the proxy for one request, in the fixed order documented in types.ts,
// and builds them from the configuration. With nothing configured there is no pipeline at all and the
// inference route calls the proxy directly, so an unconfigured gateway pays nothing.
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import type { FastifyReply, FastifyRequest } from "fastify";
import { LlmopsError } from "../../errors.js";
import type { FinishRequest } from "../accounting.js";
import type { InferenceBody, InferenceRoute } from "../body.js";
import type { RequestContext } from "../context.js";
import type { Principal, ResolvedModel } from "../types.js";
import { answerToSse } from "./sse-replay.js";
import type {
  PolicyRequest,
  PolicyStage,
  ResponseHook,
  StoredAnswer,
  StreamChunk,
  StreamTap,
  StreamWatcher,
} from "./types.js";

/** The JSON payloads of the `data:` lines in a run of complete SSE lines. */
export function parseSseEvents(text: string): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  let at = text.indexOf("data:");
  while (at !== -1) {
    if (at === 0 || text[at - 1] === "\n") {
      const newline = text.indexOf("\n", at);
      const payload = text.slice(at + 5, newline === -1 ? text.length : newline).trim();
      if (payload !== "[DONE]" && payload.startsWith("{")) {
        try {
          const event: unknown = JSON.parse(payload);
          if (typeof event === "object" && event !== null && !Array.isArray(event)) {
            events.push(event as Record<string, unknown>);
          }
        } catch {
          // Not JSON: the bytes still reach the client; stages just do not see this event.
        }
      }
    }
    at = text.indexOf("data:", at + 5);
  }
  return events;
}

export interface PolicyRunInput {
  request: FastifyRequest;
  reply: FastifyReply;
  principal: Principal;
  route: InferenceRoute;
  body: InferenceBody;
  resolved: ResolvedModel;
  context: RequestContext;
}

/** The stages' view of one request (one object per request; `state` is made on first use). */
class RunningRequest implements PolicyRequest {
  readonly id: string;
  readonly route: InferenceRoute;
  readonly principal: Principal;
  readonly body: InferenceBody;
  readonly resolved: ResolvedModel;
  readonly context: RequestContext;
  readonly headers: IncomingHttpHeaders;
  private scratch: Map<string, unknown> | undefined;

  constructor(
    input: PolicyRunInput,
    private readonly raw: ServerResponse,
  ) {
    this.id = input.request.id;
    this.route = input.route;
    this.principal = input.principal;
    this.body = input.body;
    this.resolved = input.resolved;
    this.context = input.context;
    this.headers = input.request.headers;
  }

  // Headers set on the raw response survive both Fastify's send() and the proxy's writeHead().
  setHeader(name: string, value: string): void {
    this.raw.setHeader(name, value);
  }

  get state(): Map<string, unknown> {
    this.scratch ??= new Map();
    return this.scratch;
  }
}

export class PolicyPipeline {
  constructor(
    readonly stages: readonly PolicyStage[],
    private readonly finish: FinishRequest,
    private readonly closers: ReadonlyArray<() => Promise<void>>,
  ) {}

  /** Runs the `before` steps, then `forward` (the proxy) with a hook for the answer, then settles. */
  async run(input: PolicyRunInput, forward: (hook: ResponseHook) => Promise<void>): Promise<void> {
    const { reply, context } = input;
    const raw = reply.raw;
    const policyRequest = new RunningRequest(input, raw);
    let reached = 0;
    let cached = false;
    let failure: unknown;
    try {
      for (const stage of this.stages) {
        reached++;
        if (stage.before === undefined) continue;
        // Stages that decide at once (in-process limits, guardrails) cost no promise and no tick.
        let answer = stage.before(policyRequest);
        if (answer instanceof Promise) answer = await answer;
        if (answer !== undefined && this.sendStored(input, answer)) {
          cached = true;
          return;
        }
      }
      await forward(this.hook(policyRequest));
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      const status =
        failure !== undefined
          ? failure instanceof LlmopsError
            ? failure.status
            : 500
          : context.errorCode === "client_closed"
            ? 499
            : raw.statusCode;
      for (let i = reached - 1; i >= 0; i--) {
        try {
          this.stages[i]!.settle?.(policyRequest, { status, cached });
        } catch {
          // settle steps are bookkeeping; one failing must not hide the answer or skip the others.
        }
      }
    }
  }

  /** Sends a cached answer as JSON or, for a streaming request, as SSE; false when it is unusable. */
  private sendStored(input: PolicyRunInput, answer: StoredAnswer): boolean {
    const { request, reply, body, context } = input;
    let json: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(answer.body);
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return false;
      json = parsed as Record<string, unknown>;
    } catch {
      return false;
    }
    if (typeof json.model === "string") json.model = body.model;
    context.upstream = `cache:${answer.source}`;
    if (body.stream) {
      const options = body.json.stream_options as { include_usage?: unknown } | undefined;
      reply.hijack();
      reply.raw.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        "x-request-id": request.id,
      });
      reply.raw.end(answerToSse(json, options?.include_usage === true));
    } else {
      reply
        .code(200)
        .header("content-type", "application/json; charset=utf-8")
        .header("x-request-id", request.id)
        .send(JSON.stringify(json));
    }
    this.finish(request, context, 200);
    return true;
  }

  /** The proxy's callbacks: response steps of every stage, in reverse order. */
  private hook(request: PolicyRequest): ResponseHook {
    const stages = this.stages;
    return {
      json(text, json) {
        let current = text;
        for (let i = stages.length - 1; i >= 0; i--) {
          const replaced = stages[i]!.afterJson?.(request, current, json);
          if (replaced !== undefined) current = replaced;
        }
        return current === text ? undefined : current;
      },
      stream(): StreamTap | undefined {
        const watchers: StreamWatcher[] = [];
        for (let i = stages.length - 1; i >= 0; i--) {
          const watcher = stages[i]!.watchStream?.(request);
          if (watcher !== undefined) watchers.push(watcher);
        }
        if (watchers.length === 0) return undefined;
        let ended = false;
        const endAll = (completed: boolean) => {
          if (ended) return;
          ended = true;
          for (const watcher of watchers) watcher.end(completed);
        };
        return {
          write(out) {
            if (ended) return undefined;
            const text = typeof out === "string" ? out : out.toString("utf8");
            const chunk: StreamChunk = { text, events: parseSseEvents(text) };
            for (const watcher of watchers) {
              const error = watcher.chunk(chunk);
              if (error !== undefined) {
                endAll(false);
                return error;
              }
            }
            return undefined;
          },
          end: endAll,
        };
      },
    };
  }

  async close(): Promise<void> {
    for (const close of this.closers) await close().catch(() => {});
  }
}
