// Forwards one inference request: picks an upstream with the model's routing strategy, retries and
// fails over while nothing has reached the client (connection refused or reset, 502/503/504,
// a body cut short), walks the model's fallback chain when every upstream failed, then relays the
// answer — JSON buffered (to restore the requested model name and read `usage`), SSE piped chunk
// by chunk without buffering. Once the first streamed byte is out there is no retry any more.
// Rollouts: a canary or blue/green alias sends its share of requests to the candidate (falling
// back to the stable version if the candidate fails), a shadow alias mirrors requests after the
// client has its answer; every outcome feeds the rollout controller's SLO window.
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from "fastify";
import type { Registry } from "prom-client";
import { LlmopsError, toOpenAiError } from "../errors.js";
import type { FinishRequest } from "./accounting.js";
import type { InferenceBody } from "./body.js";
import { elapsedMs, type RequestContext } from "./context.js";
import { badUpstreamAnswer, describeCause, noReachableWorker, upstreamBroke, upstreamTimeout } from "./errors.js";
import { type ActiveCheckOptions, ActiveHealthChecker } from "./health/active-checks.js";
import { type CircuitOptions, type FailureCause, HealthTracker } from "./health/circuit-breaker.js";
import { createTrafficMetrics, type TrafficMetrics } from "./health/metrics.js";
import type { ResponseHook } from "./policy/types.js";
import { RolloutController } from "./rollout/controller.js";
import { mirror, type ShadowParts, shadowOutput } from "./rollout/shadow.js";
import type { RolloutArm, RolloutRoute } from "./rollout/types.js";
import { promptPrefix } from "./routing/prefix.js";
import type { RoutingStrategy, StrategyOptions } from "./routing/strategy.js";
import { StrategySet } from "./routing/strategy-set.js";
import type { UpstreamTracker } from "./routing/upstream-tracker.js";
import { SseTransformer, sseErrorEvent } from "./sse.js";
import type { GatewayDeps, ResolvedModel, Upstream } from "./types.js";
import { classifyFailure, type UpstreamClient, type UpstreamExchange } from "./upstream-client.js";
import { modelRewriter, usageOf } from "./usage.js";

/** nginx's convention for "client closed the request"; never sent, only counted and logged. */
export const CLIENT_CLOSED = 499;

/** Request header that sets this request's timeout in ms (bounded by TrafficOptions.maxTimeoutMs). */
export const TIMEOUT_HEADER = "x-llmops-timeout-ms";
/** Response headers: which model version (or configured upstream) and which upstream answered. */
export const SERVED_BY_HEADER = "x-llmops-served-by";
export const UPSTREAM_HEADER = "x-llmops-upstream";
/** Response header, only when a fallback model answered: the fallback's name as configured. */
export const FALLBACK_HEADER = "x-llmops-fallback";

/** Upstream answers that mean "this server cannot serve now": another upstream may. */
const RETRYABLE_STATUS = new Set([502, 503, 504]);

export interface RetryOptions {
  /** Extra attempts on upstreams that already failed this request (default 2). Untried upstreams are always tried. */
  max: number;
  /** Backoff before retry n is a random delay in [0, min(maxMs, baseMs × 2^(n−1))] ("full jitter"). */
  baseMs: number;
  maxMs: number;
}

export interface TrafficOptions {
  /** Default time an upstream may take to answer, and between stream chunks (ms). */
  timeoutMs: number;
  /** The most a client may ask for with x-llmops-timeout-ms. */
  maxTimeoutMs: number;
  retries: RetryOptions;
}

export const DEFAULT_RETRY_OPTIONS: RetryOptions = { max: 2, baseMs: 25, maxMs: 1_000 };

export interface ProxyParts {
  client: UpstreamClient;
  tracker: UpstreamTracker;
  health: HealthTracker;
  checker: ActiveHealthChecker;
  strategies: StrategySet;
  rollouts: RolloutController;
  metrics: TrafficMetrics;
  traffic: TrafficOptions;
  /** Resolves fallback model names (the same resolution as a request's `model`). */
  resolve: (model: string) => Promise<ResolvedModel>;
  finish: FinishRequest;
  log: FastifyBaseLogger;
}

class ClientClosed extends Error {}

interface Arm {
  resolved: string;
  upstreams: readonly Upstream[];
  strategy?: string | undefined;
}

type Role = "candidate" | "stable" | null;

/** A 5xx answer kept in case no other upstream does better; relayed as is at the end. */
interface HeldAnswer {
  arm: Arm;
  upstream: Upstream;
  status: number;
  contentType: string;
  text: string;
}

export class UpstreamProxy {
  private readonly shadowParts: ShadowParts;

  constructor(readonly parts: ProxyParts) {
    this.shadowParts = {
      client: parts.client,
      tracker: parts.tracker,
      controller: parts.rollouts,
      candidates: (upstreams) => parts.health.candidates(upstreams, undefined, false),
      onOutcome: (rollout, outcome) => parts.metrics.shadowRequests.inc({ rollout, outcome }),
    };
  }

  /** Sends the answer (or hijacks the reply for a stream); throws LlmopsError for the error handler. */
  forward(
    request: FastifyRequest,
    reply: FastifyReply,
    context: RequestContext,
    resolved: ResolvedModel,
    path: string,
    body: InferenceBody,
    /** The policy pipeline's view of a 2xx answer (output guardrails, cache store); see policy/types.ts. */
    hook?: ResponseHook,
  ): Promise<void> {
    return new Forwarding(this, request, reply, context, path, body, hook).run(resolved);
  }

  /** The request's own timeout from the x-llmops-timeout-ms header (validated), or undefined when it sent none. */
  timeoutOf(request: FastifyRequest): number | undefined {
    const header = request.headers[TIMEOUT_HEADER];
    if (header === undefined) return undefined;
    const { maxTimeoutMs } = this.parts.traffic;
    const value = Array.isArray(header) ? header[0] : header;
    const ms = Number(value);
    if (!Number.isInteger(ms) || ms < 1 || ms > maxTimeoutMs) {
      throw new LlmopsError(
        "invalid_request",
        `header ${TIMEOUT_HEADER} must be a whole number of milliseconds from 1 to ${maxTimeoutMs}, got ${JSON.stringify(value)}`,
      );
    }
    return ms;
  }

  mirror(rollout: RolloutRoute, path: string, json: Record<string, unknown>, primary: Parameters<typeof mirror>[4]) {
    mirror(this.shadowParts, rollout, path, json, primary);
  }
}

/** The state of one request while it is being forwarded (one object instead of many closures). */
class Forwarding {
  private readonly parts: ProxyParts;
  private current: UpstreamExchange | undefined;
  private clientGone = false;
  private timedOut = false;
  private lastError: unknown;
  private held: HeldAnswer | undefined;
  private excluded: Set<string> | undefined;
  private resetOnce: Set<string> | undefined;
  private tried: Set<string> | undefined;
  private retries = 0;
  private readonly timeoutMs: number;
  private readonly customTimeout: boolean;
  private prefixText: string | undefined;
  private rollout: RolloutRoute | undefined;
  private role: Role = null;
  private shadow = false;
  private fallbackName: string | null = null;

  constructor(
    private readonly proxy: UpstreamProxy,
    private readonly request: FastifyRequest,
    private readonly reply: FastifyReply,
    private readonly context: RequestContext,
    private readonly path: string,
    private readonly body: InferenceBody,
    private readonly hook: ResponseHook | undefined,
  ) {
    this.parts = proxy.parts;
    const custom = proxy.timeoutOf(request);
    this.customTimeout = custom !== undefined;
    this.timeoutMs = custom ?? this.parts.traffic.timeoutMs;
    const raw = reply.raw;
    raw.once("close", () => {
      if (raw.writableFinished) return;
      this.clientGone = true;
      this.current?.abort();
    });
  }

  async run(resolved: ResolvedModel): Promise<void> {
    const { parts } = this;
    // The arms to try in order: the chosen one, then (for a canary request) the stable version,
    // then the configured fallbacks, resolved lazily.
    let arm: Arm = resolved;
    // Allocated only for models that have something to fall back to.
    let queue: Array<Arm | string> | undefined;
    const rollout = resolved.rollout;
    if (rollout !== undefined) {
      this.rollout = rollout;
      if (parts.rollouts.tripped(rollout.id)) {
        arm = withStrategy(rollout.stable, resolved.strategy);
        this.role = "stable";
      } else if (rollout.kind === "shadow") {
        this.role = "stable";
        this.shadow = rollout.candidate.upstreams.length > 0 && Math.random() * 100 < rollout.percent;
      } else if (rollout.candidate.upstreams.length > 0 && Math.random() * 100 < rollout.percent) {
        arm = withStrategy(rollout.candidate, resolved.strategy);
        this.role = "candidate";
        queue = [withStrategy(rollout.stable, resolved.strategy)];
      } else {
        arm = withStrategy(rollout.stable, resolved.strategy);
        this.role = "stable";
      }
      parts.metrics.rolloutRequests.inc({ rollout: rollout.id, arm: this.role ?? "stable" });
    }
    if (resolved.fallbacks !== undefined)
      queue = queue === undefined ? [...resolved.fallbacks] : [...queue, ...resolved.fallbacks];

    try {
      for (let next = 0; ; ) {
        const more = queue !== undefined && next < queue.length;
        if (await this.tryArm(arm, !more)) return;
        if (this.role === "candidate") {
          // The candidate failed this request before answering; the stable version takes over.
          this.recordRollout(true);
          this.role = "stable";
        }
        let found: Arm | undefined;
        while (found === undefined && queue !== undefined && next < queue.length) {
          const entry = queue[next++]!;
          if (typeof entry !== "string") {
            found = entry;
            continue;
          }
          try {
            const fallback = await parts.resolve(entry);
            found = fallback;
            this.fallbackName = entry;
            this.role = null; // a fallback model is outside the rollout
          } catch (error) {
            this.lastError = error;
            parts.log.warn(
              { model: this.body.model, fallback: entry, cause: describeCause(error) },
              "fallback skipped",
            );
          }
        }
        if (found === undefined) break;
        arm = found;
      }
    } catch (error) {
      if (!(error instanceof ClientClosed)) {
        if (this.role === "candidate") this.recordRollout(true);
        throw error;
      }
      this.context.errorCode = "client_closed";
      if (!this.reply.sent) this.reply.hijack();
      parts.finish(this.request, this.context, CLIENT_CLOSED);
      return;
    }
    const held = this.held;
    if (held !== undefined) {
      // Every upstream answered 502/503/504 (or the candidate failed): pass the last answer on.
      this.sendJson(held.arm, held.upstream, held.status, held.contentType, held.text);
      return;
    }
    parts.log.warn(
      { model: this.body.model, cause: describeCause(this.lastError) },
      "no upstream of the model is reachable",
    );
    throw noReachableWorker(this.body.model, this.lastError);
  }

  /** Tries the upstreams of one arm; true when an answer went to the client. */
  private async tryArm(arm: Arm, lastResort: boolean): Promise<boolean> {
    const { parts, context, body } = this;
    const { client, tracker, health } = parts;
    parts.checker.watch(arm.upstreams);
    const strategy = parts.strategies.get(arm.strategy);
    const maxRetries = parts.traffic.retries.max;
    for (let attempt = 0; attempt < arm.upstreams.length + maxRetries + 1; attempt++) {
      const candidates = health.candidates(arm.upstreams, this.excluded, lastResort);
      if (candidates.length === 0) return false;
      let upstream: Upstream;
      if (candidates.length === 1) upstream = candidates[0]!;
      else {
        if (strategy.usesPrefix && this.prefixText === undefined) {
          this.prefixText = promptPrefix(body.json, parts.strategies.prefixChars);
        }
        upstream = strategy.pick(candidates, { modelKey: arm.resolved, load: tracker, prefix: this.prefixText });
      }
      if (this.tried !== undefined) {
        parts.metrics.retries.inc({ model: context.metricModel });
        if (this.tried.has(upstream.id)) {
          // Only upstreams that already failed this request are left: wait before asking again.
          if (++this.retries > maxRetries) return false;
          await this.backoff(this.retries);
        }
      }
      const remaining = this.timeoutMs - elapsedMs(context);
      if (remaining <= 0) throw upstreamTimeout(upstream.id, this.timeoutMs);
      context.upstream = upstream.id;
      context.resolved = arm.resolved;
      body.json.model = upstream.model;
      const payload = JSON.stringify(body.json);

      if (this.clientGone) throw new ClientClosed();
      tracker.begin(upstream.id);
      health.attempt(upstream.id);
      const sentAt = performance.now();
      // Idle time between chunks: the client's timeout when it set one, else the gateway's default.
      const exchange = client.post(
        upstream,
        this.path,
        payload,
        this.request.id,
        this.customTimeout ? this.timeoutMs : undefined,
      );
      this.current = exchange;
      // undici's own timers tick coarsely (≈1 s), too coarse for a client's deadline: keep our own
      // for the time to the first byte (streams) or to the whole answer (JSON).
      const timer = this.customTimeout ? setTimeout(() => this.expire(exchange), remaining) : undefined;
      try {
        await exchange.headers;
      } catch (error) {
        clearTimeout(timer);
        tracker.end(upstream.id);
        tracker.observe(upstream.id, performance.now() - sentAt);
        this.failed(error, upstream);
        continue;
      }
      tracker.observe(upstream.id, performance.now() - sentAt);

      if (exchange.streaming) {
        clearTimeout(timer);
        health.success(upstream.id);
        // From here on bytes reach the client, so there is no retry or failover any more.
        await this.relayStream(arm, upstream, exchange);
        return true;
      }

      let text: string;
      try {
        text = (await exchange.body()).toString("utf8");
      } catch (error) {
        // Nothing has reached the client yet, so a body cut short is retried like a failed connect.
        clearTimeout(timer);
        tracker.end(upstream.id);
        this.failed(error, upstream);
        continue;
      }
      clearTimeout(timer);
      tracker.end(upstream.id);
      const status = exchange.statusCode;
      if (RETRYABLE_STATUS.has(status) || (status >= 500 && this.role === "candidate")) {
        health.failure(upstream.id, "status");
        this.held = { arm, upstream, status, contentType: exchange.contentType, text };
        this.lastError = new Error(`upstream ${upstream.id} answered HTTP ${status}`);
        this.exclude(upstream.id);
        this.markTried(upstream.id);
        continue;
      }
      health.success(upstream.id);
      this.sendJson(arm, upstream, status, exchange.contentType, text);
      return true;
    }
    return false;
  }

  /** Records a failed attempt; throws when no other upstream should be tried (timeout, client gone). */
  private failed(error: unknown, upstream: Upstream): void {
    const { parts } = this;
    this.lastError = error;
    const kind = this.clientGone ? "aborted" : this.timedOut ? "timeout" : classifyFailure(error);
    if (kind === "aborted") {
      parts.health.release(upstream.id);
      throw new ClientClosed();
    }
    parts.health.failure(upstream.id, kind as FailureCause);
    // The request's time is spent: answer 504 rather than start again somewhere else.
    if (kind === "timeout") throw upstreamTimeout(upstream.id, this.timeoutMs);
    parts.log.warn(
      { upstream: upstream.id, baseUrl: upstream.baseUrl, kind, cause: describeCause(error) },
      "upstream attempt failed; trying the next one",
    );
    this.markTried(upstream.id);
    // A reset may be a keep-alive socket the upstream closed just as we reused it: one more try
    // on the same upstream is allowed; anything else takes it out for this request.
    if (kind === "reset" && !this.resetOnce?.has(upstream.id)) {
      this.resetOnce ??= new Set();
      this.resetOnce.add(upstream.id);
    } else this.exclude(upstream.id);
  }

  // Sets are created on the first failure only: a request that succeeds at once allocates none.
  private exclude(upstreamId: string): void {
    this.excluded ??= new Set();
    this.excluded.add(upstreamId);
  }

  private markTried(upstreamId: string): void {
    this.tried ??= new Set();
    this.tried.add(upstreamId);
  }

  /** The request's own deadline passed while waiting for `exchange`: abort it as a timeout. */
  private expire(exchange: UpstreamExchange): void {
    this.timedOut = true;
    exchange.abort();
  }

  private backoff(retry: number): Promise<void> {
    const { baseMs, maxMs } = this.parts.traffic.retries;
    const ceiling = Math.min(maxMs, baseMs * 2 ** (retry - 1));
    const remaining = this.timeoutMs - elapsedMs(this.context);
    const delay = Math.min(Math.random() * ceiling, Math.max(0, remaining - 1));
    if (delay < 1) return Promise.resolve();
    return new Promise((resolve) => setTimeout(resolve, delay));
  }

  private recordRollout(failed: boolean, latencyMs = elapsedMs(this.context)): void {
    const rollout = this.rollout;
    if (rollout === undefined || this.role === null) return;
    this.parts.rollouts.record(rollout, this.role, latencyMs, failed);
  }

  private servedHeaders(arm: Arm, upstream: Upstream): Record<string, string> {
    const headers: Record<string, string> = {
      [SERVED_BY_HEADER]: arm.resolved,
      [UPSTREAM_HEADER]: upstream.id,
    };
    if (this.fallbackName !== null) headers[FALLBACK_HEADER] = this.fallbackName;
    return headers;
  }

  /** The served-by headers, set one by one (no object per request on the JSON path). */
  private setServedHeaders(reply: FastifyReply, arm: Arm, upstream: Upstream): void {
    reply.header(SERVED_BY_HEADER, arm.resolved).header(UPSTREAM_HEADER, upstream.id);
    if (this.fallbackName !== null) reply.header(FALLBACK_HEADER, this.fallbackName);
  }

  private sendJson(arm: Arm, upstream: Upstream, status: number, contentType: string, text: string): void {
    const { reply, context, parts } = this;
    const requestedModel = this.body.model;
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
    if (this.fallbackName !== null) {
      parts.metrics.fallbacks.inc({ from: context.metricModel, to: this.fallbackName });
    }
    if (status >= 400) {
      // Our workers (and OpenAI-compatible servers) already answer in OpenAI's error shape: pass it on.
      const error = json?.error;
      if (error === undefined || error === null) {
        this.recordRollout(true);
        throw badUpstreamAnswer(upstream.id, status, contentType, text);
      }
      const fields = typeof error === "object" ? (error as Record<string, unknown>) : {};
      const code =
        typeof fields.code === "string"
          ? fields.code
          : typeof fields.type === "string"
            ? fields.type
            : "upstream_error";
      context.errorCode = code.slice(0, 64);
      this.setServedHeaders(reply, arm, upstream);
      reply
        .code(status)
        .header("content-type", "application/json; charset=utf-8")
        .header("x-request-id", reply.request.id)
        .send(text);
      this.recordRollout(status >= 500);
      parts.finish(reply.request, context, status);
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
      // Policy hook: may replace the answer (masking) or throw to answer an error instead (blocking).
      if (this.hook !== undefined && status < 300) out = this.hook.json(out, json) ?? out;
    }
    this.setServedHeaders(reply, arm, upstream);
    reply
      .code(status)
      .header("content-type", contentType || "application/json; charset=utf-8")
      .header("x-request-id", reply.request.id)
      .send(out);
    const latencyMs = elapsedMs(context);
    this.recordRollout(false, latencyMs);
    parts.finish(reply.request, context, status);
    if (this.shadow) {
      this.proxy.mirror(this.rollout!, this.path, this.body.json, {
        requestId: this.request.id,
        route: context.route,
        status,
        latencyMs,
        output: shadowOutput(json),
      });
    }
  }

  private relayStream(arm: Arm, upstream: Upstream, exchange: UpstreamExchange): Promise<void> {
    const { request, reply, context, body, parts } = this;
    const { tracker, finish, log } = parts;
    const raw = reply.raw;
    const status = exchange.statusCode;
    const transformer = new SseTransformer(modelRewriter(upstream.model, body.model));
    const tap = status < 300 ? this.hook?.stream() : undefined;
    const firstByteMs = elapsedMs(context);
    if (this.fallbackName !== null) {
      parts.metrics.fallbacks.inc({ from: context.metricModel, to: this.fallbackName });
    }
    reply.hijack();
    raw.writeHead(status, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "x-accel-buffering": "no", // tell nginx-style proxies in front not to buffer the stream
      "x-request-id": request.id,
      ...this.servedHeaders(arm, upstream),
    });

    return new Promise<void>((resolve) => {
      let done = false;
      const complete = (finalStatus: number, failed: boolean) => {
        if (done) return;
        done = true;
        tap?.end(finalStatus !== CLIENT_CLOSED && !failed);
        tracker.end(upstream.id);
        if (transformer.usage !== null) {
          context.promptTokens = transformer.usage.promptTokens;
          context.completionTokens = transformer.usage.completionTokens;
        }
        // Streams are judged on time to first byte: their total length is the client's choice.
        this.recordRollout(failed, firstByteMs);
        finish(request, context, finalStatus);
        if (this.shadow && !failed && finalStatus < 400) {
          this.proxy.mirror(this.rollout!, this.path, body.json, {
            requestId: request.id,
            route: context.route,
            status: finalStatus,
            latencyMs: firstByteMs,
            output: null,
          });
        }
        resolve();
      };
      const resume = () => exchange.resume();
      // The policy tap stopped the stream (output guardrail): end it with the error event, then cancel.
      const cut = (failure: LlmopsError) => {
        context.errorCode = failure.code;
        raw.end(`\n\n${sseErrorEvent(toOpenAiError(failure))}`);
        complete(status, false);
        exchange.abort();
      };

      raw.once("close", () => {
        if (done || raw.writableFinished) return;
        exchange.abort();
        context.errorCode = "client_closed";
        complete(CLIENT_CLOSED, false);
      });
      exchange.pipe({
        data(chunk) {
          if (context.ttftMs === null) context.ttftMs = elapsedMs(context);
          const out = transformer.push(chunk);
          const stop = tap !== undefined && out.length > 0 ? tap.write(out) : undefined;
          if (stop !== undefined) {
            cut(stop);
            return true;
          }
          if (out.length === 0 || raw.write(out)) return true;
          raw.once("drain", resume); // backpressure: undici pauses reading the upstream until then
          return false;
        },
        end() {
          const rest = transformer.end();
          const stop = tap !== undefined && rest.length > 0 ? tap.write(rest) : undefined;
          if (stop !== undefined) cut(stop);
          else if (rest.length > 0) raw.end(rest);
          else raw.end();
          complete(status, status >= 500);
        },
        error: (error) => {
          if (done) return;
          if (this.clientGone || raw.destroyed) {
            context.errorCode = "client_closed";
            complete(CLIENT_CLOSED, false);
            return;
          }
          const failure =
            classifyFailure(error) === "timeout"
              ? upstreamTimeout(upstream.id, this.timeoutMs)
              : upstreamBroke(upstream.id, error);
          log.warn({ upstream: upstream.id, cause: describeCause(error) }, "upstream stream broke");
          parts.health.failure(upstream.id, classifyFailure(error) === "timeout" ? "timeout" : "reset");
          context.errorCode = failure.code;
          // Headers are out: report the failure in-band, as an SSE error event the SDKs raise. A
          // held-back partial line is dropped; the blank line ends any partial event the client has.
          transformer.end();
          raw.end(`\n\n${sseErrorEvent(toOpenAiError(failure))}`);
          complete(status, true);
        },
      });
    });
  }
}

function withStrategy(arm: RolloutArm, strategy: string | undefined): Arm {
  return strategy === undefined ? arm : { ...arm, strategy };
}

/** Routing and resilience settings of a gateway (GatewayOptions.traffic); every field has a default. */
export interface GatewayTrafficOptions {
  /** Settings of the strategies that take any (prefix-affinity's prefix length and load bound). */
  strategyOptions?: StrategyOptions;
  retries?: Partial<RetryOptions>;
  /** The most a client may ask for with x-llmops-timeout-ms (default: the upstream timeout). */
  maxTimeoutMs?: number;
  circuit?: Partial<CircuitOptions>;
  /** Active health checks; `intervalMs: 0` turns them off (default every 5 s, GET {base}/models). */
  activeChecks?: Partial<ActiveCheckOptions>;
  /** Concurrent shadow requests at most (default 16). */
  maxShadows?: number;
}

export interface ProxyInput {
  traffic: GatewayTrafficOptions;
  strategy: RoutingStrategy;
  client: UpstreamClient;
  tracker: UpstreamTracker;
  timeoutMs: number;
  /** Deprecated alias of circuit.openMs (the former "cooldown" after a refused connection). */
  cooldownMs?: number | undefined;
  registry: Registry;
  deps: GatewayDeps;
  finish: FinishRequest;
  log: FastifyBaseLogger;
}

/** Builds the proxy with its health tracking, active checks and rollout controller; close() stops the checks. */
export function createUpstreamProxy(input: ProxyInput): { proxy: UpstreamProxy; close(): Promise<void> } {
  const { traffic, log } = input;
  let metrics: TrafficMetrics | undefined;
  const health = new HealthTracker(
    { ...(input.cooldownMs === undefined ? {} : { openMs: input.cooldownMs }), ...traffic.circuit },
    (upstream, from, to, cause) => {
      metrics?.circuitTransitions.inc({ upstream, to });
      if (to === "open") log.warn({ upstream, from, cause }, "upstream ejected (circuit open)");
      else if (to === "closed") log.info({ upstream, from, cause }, "upstream re-admitted (circuit closed)");
    },
  );
  metrics = createTrafficMetrics(input.registry, () => health);
  const trafficMetrics = metrics;
  const checker = new ActiveHealthChecker(
    {
      intervalMs: traffic.activeChecks?.intervalMs ?? 5_000,
      path: traffic.activeChecks?.path ?? "/models",
      timeoutMs: traffic.activeChecks?.timeoutMs ?? 2_000,
      ...(traffic.activeChecks?.forgetAfterMs === undefined
        ? {}
        : { forgetAfterMs: traffic.activeChecks.forgetAfterMs }),
    },
    input.client,
    health,
    log,
  );
  const rollouts = new RolloutController(input.deps.rollouts, log, {
    ...(traffic.maxShadows === undefined ? {} : { maxShadows: traffic.maxShadows }),
    onTrip: (rollout) => trafficMetrics.rolloutRollbacks.inc({ rollout }),
  });
  const proxy = new UpstreamProxy({
    client: input.client,
    tracker: input.tracker,
    health,
    checker,
    strategies: new StrategySet(input.strategy, traffic.strategyOptions),
    rollouts,
    metrics: trafficMetrics,
    traffic: {
      timeoutMs: input.timeoutMs,
      maxTimeoutMs: traffic.maxTimeoutMs ?? input.timeoutMs,
      retries: { ...DEFAULT_RETRY_OPTIONS, ...traffic.retries },
    },
    resolve: (model) => input.deps.resolveModel(model),
    finish: input.finish,
    log,
  });
  return { proxy, close: () => checker.stop() };
}
