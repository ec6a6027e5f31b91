// Forwards one inference request: picks an upstream with the routing strategy, fails over on
// connection errors, then relays the answer — JSON buffered (to restore the requested model name
// and read `usage`), SSE piped chunk by chunk without buffering.
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from "fastify";
import { toOpenAiError } from "../errors.js";
import type { FinishRequest } from "./accounting.js";
import type { InferenceBody } from "./body.js";
import { elapsedMs, type RequestContext } from "./context.js";
import { badUpstreamAnswer, describeCause, noReachableWorker, upstreamBroke, upstreamTimeout } from "./errors.js";
import type { RoutingStrategy } from "./routing/strategy.js";
import type { UpstreamTracker } from "./routing/upstream-tracker.js";
import { SseTransformer, sseErrorEvent } from "./sse.js";
import type { ResolvedModel, Upstream } from "./types.js";
import { classifyFailure, type UpstreamClient, type UpstreamExchange } from "./upstream-client.js";
import { modelRewriter, usageOf } from "./usage.js";

/** nginx's convention for "client closed the request"; never sent, only counted and logged. */
export const CLIENT_CLOSED = 499;

export interface ProxyParts {
  client: UpstreamClient;
  tracker: UpstreamTracker;
  strategy: RoutingStrategy;
  finish: FinishRequest;
  log: FastifyBaseLogger;
}

class ClientClosed extends Error {}

export class UpstreamProxy {
  constructor(private readonly parts: ProxyParts) {}

  /** Sends the answer (or hijacks the reply for a stream); throws LlmopsError for the error handler. */
  async forward(
    request: FastifyRequest,
    reply: FastifyReply,
    context: RequestContext,
    resolved: ResolvedModel,
    path: string,
    body: InferenceBody,
  ): Promise<void> {
    const { client, tracker, strategy, log } = this.parts;
    const raw = reply.raw;
    let current: UpstreamExchange | undefined;
    let clientGone = false;
    raw.once("close", () => {
      if (raw.writableFinished) return;
      clientGone = true;
      current?.abort();
    });

    let excluded: Set<string> | undefined;
    let resetOnce: Set<string> | undefined;
    let lastError: unknown;
    // Records a failed attempt; throws when no other upstream should be tried (timeout, client gone).
    const failed = (error: unknown, upstream: Upstream) => {
      lastError = error;
      const verdict = this.onFailure(error, upstream, clientGone);
      if (verdict === "exclude" || resetOnce?.has(upstream.id)) {
        excluded ??= new Set();
        excluded.add(upstream.id);
      } else {
        resetOnce ??= new Set();
        resetOnce.add(upstream.id);
      }
    };
    // Each upstream once, plus one more try after a connection reset (e.g. a keep-alive socket the
    // upstream closed just as we reused it), so a single worker survives a stale socket too.
    const maxAttempts = resolved.upstreams.length + 1;
    try {
      for (let attempt = 0; attempt < maxAttempts; attempt++) {
        const candidates = tracker.candidates(resolved.upstreams, excluded);
        if (candidates.length === 0) break;
        const upstream =
          candidates.length === 1
            ? candidates[0]!
            : strategy.pick(candidates, { modelKey: resolved.resolved, load: tracker });
        context.upstream = upstream.id;
        body.json.model = upstream.model;
        const payload = JSON.stringify(body.json);

        if (clientGone) throw new ClientClosed();
        tracker.begin(upstream.id);
        const exchange = client.post(upstream, path, payload, request.id);
        current = exchange;
        try {
          await exchange.headers;
        } catch (error) {
          tracker.end(upstream.id);
          failed(error, upstream);
          continue;
        }
        tracker.markUp(upstream.id);

        if (exchange.streaming) {
          // From here on bytes reach the client, so there is no failover any more.
          await this.relayStream(request, reply, context, upstream, exchange, body, () => clientGone);
          return;
        }

        let text: string;
        try {
          text = (await exchange.body()).toString("utf8");
        } catch (error) {
          // Nothing has reached the client yet, so a body cut short is retried like a failed connect.
          failed(error, upstream);
          continue;
        } finally {
          tracker.end(upstream.id);
        }
        this.sendJson(reply, context, upstream, exchange.statusCode, exchange.contentType, text, body.model);
        return;
      }
    } catch (error) {
      if (!(error instanceof ClientClosed)) throw error;
      context.errorCode = "client_closed";
      if (!reply.sent) reply.hijack();
      this.parts.finish(request, context, CLIENT_CLOSED);
      return;
    }
    log.warn({ model: body.model, cause: describeCause(lastError) }, "no upstream of the model is reachable");
    throw noReachableWorker(body.model, lastError);
  }

  /** Decides what a failed attempt means: throws when no other upstream should be tried. */
  private onFailure(error: unknown, upstream: Upstream, clientGone: boolean): "exclude" | "retry-once" {
    const kind = clientGone ? "aborted" : classifyFailure(error);
    if (kind === "aborted") throw new ClientClosed();
    if (kind === "timeout") throw upstreamTimeout(upstream.id, this.parts.client.timeoutMs);
    this.parts.log.warn(
      { upstream: upstream.id, baseUrl: upstream.baseUrl, kind, cause: describeCause(error) },
      "upstream attempt failed; trying the next one",
    );
    if (kind === "connect") {
      this.parts.tracker.markDown(upstream.id);
      return "exclude";
    }
    return kind === "reset" ? "retry-once" : "exclude";
  }

  private sendJson(
    reply: FastifyReply,
    context: RequestContext,
    upstream: Upstream,
    status: number,
    contentType: string,
    text: string,
    requestedModel: string,
  ): void {
    let parsed: unknown;
    if (contentType.includes("json") || text.startsWith("{")) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    const json =
      typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : null;
    if (status >= 400) {
      // Our workers (and OpenAI-compatible servers) already answer in OpenAI's error shape: pass it on.
      const error = json?.error;
      if (error === undefined || error === null) throw badUpstreamAnswer(upstream.id, status, contentType, text);
      const fields = typeof error === "object" ? (error as Record<string, unknown>) : {};
      const code =
        typeof fields.code === "string"
          ? fields.code
          : typeof fields.type === "string"
            ? fields.type
            : "upstream_error";
      context.errorCode = code.slice(0, 64);
      reply
        .code(status)
        .header("content-type", "application/json; charset=utf-8")
        .header("x-request-id", reply.request.id)
        .send(text);
      this.parts.finish(reply.request, context, status);
      return;
    }
    let out = text;
    if (json !== null) {
      const usage = usageOf(json.usage);
      if (usage !== null) {
        context.promptTokens = usage.promptTokens;
        context.completionTokens = usage.completionTokens;
      }
      if (typeof json.model === "string" && json.model !== requestedModel) {
        json.model = requestedModel;
        out = JSON.stringify(json);
      }
    }
    reply
      .code(status)
      .header("content-type", contentType || "application/json; charset=utf-8")
      .header("x-request-id", reply.request.id)
      .send(out);
    this.parts.finish(reply.request, context, status);
  }

  private relayStream(
    request: FastifyRequest,
    reply: FastifyReply,
    context: RequestContext,
    upstream: Upstream,
    exchange: UpstreamExchange,
    body: InferenceBody,
    clientGone: () => boolean,
  ): Promise<void> {
    const { tracker, finish, log } = this.parts;
    const raw = reply.raw;
    const status = exchange.statusCode;
    const transformer = new SseTransformer(modelRewriter(upstream.model, body.model));
    reply.hijack();
    raw.writeHead(status, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "x-accel-buffering": "no", // tell nginx-style proxies in front not to buffer the stream
      "x-request-id": request.id,
    });

    return new Promise<void>((resolve) => {
      let done = false;
      const complete = (finalStatus: number) => {
        if (done) return;
        done = true;
        tracker.end(upstream.id);
        if (transformer.usage !== null) {
          context.promptTokens = transformer.usage.promptTokens;
          context.completionTokens = transformer.usage.completionTokens;
        }
        finish(request, context, finalStatus);
        resolve();
      };
      const resume = () => exchange.resume();

      raw.once("close", () => {
        if (done || raw.writableFinished) return;
        exchange.abort();
        context.errorCode = "client_closed";
        complete(CLIENT_CLOSED);
      });
      exchange.pipe({
        data(chunk) {
          if (context.ttftMs === null) context.ttftMs = elapsedMs(context);
          const out = transformer.push(chunk);
          if (out.length === 0 || raw.write(out)) return true;
          raw.once("drain", resume); // backpressure: undici pauses reading the upstream until then
          return false;
        },
        end() {
          const rest = transformer.end();
          if (rest.length > 0) raw.end(rest);
          else raw.end();
          complete(status);
        },
        error: (error) => {
          if (done) return;
          if (clientGone() || raw.destroyed) {
            context.errorCode = "client_closed";
            complete(CLIENT_CLOSED);
            return;
          }
          const failure =
            classifyFailure(error) === "timeout"
              ? upstreamTimeout(upstream.id, this.parts.client.timeoutMs)
              : upstreamBroke(upstream.id, error);
          log.warn({ upstream: upstream.id, cause: describeCause(error) }, "upstream stream broke");
          context.errorCode = failure.code;
          // Headers are out: report the failure in-band, as an SSE error event the SDKs raise. A
          // held-back partial line is dropped; the blank line ends any partial event the client has.
          transformer.end();
          raw.end(`\n\n${sseErrorEvent(toOpenAiError(failure))}`);
          complete(status);
        },
      });
    });
  }
}
