// The worker: one Engine behind OpenAI's HTTP API (Fastify 5).
//
//   POST /v1/chat/completions   JSON or SSE (stream: true), logprobs/top_logprobs
//   POST /v1/completions        JSON or SSE, logprobs (0–20), echo (with prompt logprobs)
//   POST /v1/embeddings         float or base64
//   GET  /v1/models[/:model]    OpenAI's list shape
//   GET  /healthz               model, ready, in-flight and queued requests
//   GET  /metrics               Prometheus text (a Registry per server)
//
// Every error — bad JSON, wrong content type, too-large body, unknown route, bad parameters, a
// failure in the middle of a stream — reaches the client in OpenAI's error shape with a 4xx/5xx
// status that matches; a stream that already started gets a final `data: {"error": …}` event.
//
// Model names: a request's `model` must be the worker's model name, or that name without an
// "@alias"/"@version" suffix ("tiny" for "tiny@prod"); `acceptAnyModel: true` accepts every name
// (for a gateway that routes by its own aliases and does not rewrite). Responses always report the
// model actually served.
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from "fastify";
import type { Logger } from "pino";
import { ulid } from "ulid";
import { asLlmopsError, LlmopsError, notFound, type OpenAiErrorBody, toOpenAiError } from "../errors.js";
import type { Engine, FinishReason, GeneratedToken, GenerationEvent, Usage } from "./engine.js";
import { type EngineLogger, openLlamaCppEngine } from "./engines/llama-cpp.js";
import {
  chatChunk,
  chatCompletion,
  chatParams,
  chatUsageChunk,
  completionLogprobs,
  completionParams,
  embeddingInputs,
  embeddingList,
  type ResponseMeta,
  TextOffsetCounter,
  textCompletion,
  textCompletionChunk,
  textCompletionUsageChunk,
} from "./openai-format.js";
import {
  chatCompletionRequestSchema,
  completionRequestSchema,
  embeddingRequestSchema,
  parseBody,
} from "./openai-schemas.js";
import { registerScoreRoute } from "./score.js";
import { createWorkerMetrics, type WorkerMetrics, type WorkerRoute } from "./worker-metrics.js";

export const DEFAULT_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

export interface WorkerServerOptions {
  engine: Engine;
  /** Name served and reported; defaults to engine.info.id. */
  modelName?: string;
  logger?: Logger;
  /** Accept any `model` in requests (see the header comment). Default false. */
  acceptAnyModel?: boolean;
  /** Largest request body; larger ones get 413. Default 4 MiB. */
  bodyLimitBytes?: number;
  /** Stream events closer together than this share one write (see SseWriter). Default 10 ms; 0 = every event at once. */
  sseCoalesceMs?: number;
  /** One span per /v1 request, child of the caller's `traceparent` (src/gateway/tracing); none = no cost. */
  tracing?: { start(headers: IncomingHttpHeaders, name: string): { end(status: number): void } } | undefined;
}

const ROUTES_HELP =
  "this worker serves POST /v1/chat/completions, POST /v1/completions, POST /v1/embeddings, GET /v1/models, GET /healthz and GET /metrics";

/** Fastify's own errors (parsing, limits) as LlmopsErrors with the right status. */
export function httpError(error: unknown, bodyLimitBytes: number = DEFAULT_BODY_LIMIT_BYTES): LlmopsError {
  if (error instanceof LlmopsError) return error;
  const e = error as { code?: unknown; statusCode?: unknown; message?: unknown };
  const code = typeof e.code === "string" ? e.code : "";
  const status = typeof e.statusCode === "number" ? e.statusCode : 500;
  const message = typeof e.message === "string" ? e.message : "";
  switch (code) {
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new LlmopsError(
        "invalid_request",
        "Unsupported Content-Type; send the body as JSON with the header Content-Type: application/json.",
        { status: 415, cause: error },
      );
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new LlmopsError(
        "invalid_request",
        `The request body is larger than the ${Math.round(bodyLimitBytes / 1024)} KiB limit; send fewer or shorter inputs.`,
        { status: 413, cause: error },
      );
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return new LlmopsError("invalid_request", "The request body is empty; send a JSON object.", { cause: error });
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new LlmopsError("invalid_request", `The request body is not valid JSON (${message}).`, { cause: error });
  }
  if (error instanceof SyntaxError && status === 400) {
    return new LlmopsError("invalid_request", `The request body is not valid JSON (${message}).`, { cause: error });
  }
  if (status >= 400 && status < 500) {
    return new LlmopsError("invalid_request", message || "Bad request.", { status, cause: error });
  }
  return asLlmopsError(error);
}

function routeOf(url: string): WorkerRoute | null {
  const path = url.split("?")[0];
  if (path === "/v1/chat/completions") return "chat";
  if (path === "/v1/completions") return "completions";
  if (path === "/v1/embeddings") return "embeddings";
  return null;
}

function errorBody(error: LlmopsError): OpenAiErrorBody {
  const body = toOpenAiError(error);
  // OpenAI's SDKs and clients look for this code when a model name is wrong.
  if (error.code === "not_found" && error.param === "model") body.error.code = "model_not_found";
  return body;
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && error.name === "AbortError";
}

/**
 * Server-sent events on a raw response, with backpressure and tolerance for vanished clients.
 *
 * Events that arrive within `coalesceMs` of the last write share one socket write: a small model on
 * one CPU thread makes a token every millisecond or so, and a write per token cost ~0.15 ms of CPU
 * on the event loop (measured), stolen from generation on a busy machine. After a quiet spell the
 * next event goes out at once, so the first token is never delayed; later ones by at most coalesceMs.
 */
class SseWriter {
  private buffer = "";
  private lastWrite = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private holding = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly coalesceMs: number,
  ) {}

  open(): void {
    this.res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
  }

  get gone(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  /** Queues one event; resolves at once unless the client is not keeping up (backpressure). */
  send(data: unknown): Promise<void> | undefined {
    if (this.gone) return undefined;
    this.buffer += `data: ${JSON.stringify(data)}\n\n`;
    if (this.holding) return undefined;
    const since = performance.now() - this.lastWrite;
    if (since >= this.coalesceMs) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.coalesceMs - since);
    return this.res.writableNeedDrain ? this.drained() : undefined;
  }

  /** Queue without writing until the next flush(): the first events of a stream leave together. */
  hold(): void {
    this.holding = true;
  }

  /** Ends hold(): writes what is queued if it was held. */
  release(): void {
    if (this.holding) this.flush();
  }

  /** Writes what is queued now. */
  flush(): void {
    this.holding = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer === "" || this.gone) return;
    this.res.write(this.buffer);
    this.buffer = "";
    this.lastWrite = performance.now();
  }

  end(): void {
    this.finish("data: [DONE]\n\n");
  }

  fail(error: LlmopsError): void {
    this.finish(`data: ${JSON.stringify(errorBody(error))}\n\n`);
  }

  private finish(last: string): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.gone) this.res.end(this.buffer + last);
    this.buffer = "";
  }

  private drained(): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        this.res.off("drain", done);
        this.res.off("close", done);
        resolve();
      };
      this.res.on("drain", done);
      this.res.on("close", done);
    });
  }
}

/** Per-request bookkeeping: metrics, the client-disconnect signal, the log line. */
class Exchange {
  readonly started = performance.now();
  readonly controller = new AbortController();
  private firstTokenSeen = false;
  private recorded = false;

  constructor(
    private readonly route: WorkerRoute,
    private readonly metrics: WorkerMetrics,
    reply: FastifyReply,
  ) {
    metrics.inFlight.inc();
    reply.raw.on("close", () => {
      if (!reply.raw.writableFinished)
        this.controller.abort(Object.assign(new Error("client closed"), { name: "AbortError" }));
    });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  firstToken(): void {
    if (this.firstTokenSeen) return;
    this.firstTokenSeen = true;
    this.metrics.timeToFirstToken.observe({ route: this.route }, (performance.now() - this.started) / 1000);
  }

  succeeded(usage: Usage | null): void {
    if (this.recorded) return;
    this.recorded = true;
    this.metrics.inFlight.dec();
    this.metrics.requests.inc({ route: this.route, status: "200" });
    this.metrics.latency.observe({ route: this.route }, (performance.now() - this.started) / 1000);
    if (usage) {
      this.metrics.promptTokens.inc({ route: this.route }, usage.promptTokens);
      this.metrics.completionTokens.inc({ route: this.route }, usage.completionTokens);
    }
  }

  failed(error: unknown): void {
    if (this.recorded) return;
    this.recorded = true;
    this.metrics.inFlight.dec();
    const clientGone = this.controller.signal.aborted && isAbort(error);
    const status = clientGone ? "499" : String(httpError(error).status);
    this.metrics.requests.inc({ route: this.route, status });
    this.metrics.errors.inc({ route: this.route, code: clientGone ? "client_closed" : httpError(error).code });
    this.metrics.latency.observe({ route: this.route }, (performance.now() - this.started) / 1000);
  }
}

interface Collected {
  text: string;
  tokens: GeneratedToken[];
  finishReason: FinishReason;
  usage: Usage;
}

async function collect(events: AsyncIterable<GenerationEvent>, exchange: Exchange): Promise<Collected> {
  let text = "";
  const tokens: GeneratedToken[] = [];
  for await (const event of events) {
    if (event.type === "delta") {
      exchange.firstToken();
      text += event.text;
      tokens.push(...event.tokens);
    } else {
      return { text, tokens, finishReason: event.finishReason, usage: event.usage };
    }
  }
  throw new LlmopsError("internal", "The engine ended a generation without a final event.");
}

export function createWorkerServer(options: WorkerServerOptions): FastifyInstance {
  const { engine } = options;
  const modelName = options.modelName ?? engine.info.id;
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const coalesceMs = options.sseCoalesceMs ?? 10;
  const accepted = new Set([modelName, modelName.split("@")[0] as string, engine.info.id]);
  const metrics = createWorkerMetrics(modelName, () => engine.stats());
  const fingerprint = `fp_${Buffer.from(`${engine.info.id}:${JSON.stringify(engine.info.details)}`)
    .toString("base64url")
    .slice(-10)}`;
  let inFlight = 0;
  let closing = false;
  /** Requests whose outcome the handler already counted. */
  const handled = new WeakSet<FastifyRequest>();
  const app = (options.logger
    ? Fastify({
        loggerInstance: options.logger,
        bodyLimit,
        // Per-request lines would log at info for every token stream; the worker logs what matters.
        logController: new LogController({ disableRequestLogging: true }),
      })
    : Fastify({ logger: false, bodyLimit })) as unknown as FastifyInstance;
  const log = options.logger;

  app.addHook("onClose", async () => {
    closing = true;
  });
  // JSON only: a text/plain or form body is a client mistake worth a clear 415, not a guess.
  app.removeContentTypeParser("text/plain");

  const checkModel = (name: string) => {
    if (options.acceptAnyModel || accepted.has(name)) return;
    throw new LlmopsError(
      "not_found",
      `The model '${name}' is not served here; this worker serves '${modelName}' (see GET /v1/models).`,
      { param: "model" },
    );
  };

  const meta = (prefix: "chatcmpl" | "cmpl"): ResponseMeta => ({
    id: `${prefix}-${ulid()}`,
    created: Math.floor(Date.now() / 1000),
    model: modelName,
    systemFingerprint: fingerprint,
  });

  /** Runs a /v1 handler with metrics, in-flight accounting and a request log line. */
  const handle = async <T>(
    route: WorkerRoute,
    request: FastifyRequest,
    reply: FastifyReply,
    fn: (exchange: Exchange) => Promise<T>,
  ): Promise<T> => {
    const exchange = new Exchange(route, metrics, reply);
    const span = options.tracing?.start(request.headers, `worker ${route}`);
    if (span !== undefined) reply.raw.once("close", () => span.end(reply.raw.statusCode));
    handled.add(request);
    inFlight++;
    try {
      return await fn(exchange);
    } catch (error) {
      exchange.failed(error);
      throw error;
    } finally {
      inFlight--;
      log?.debug({ route, reqId: request.id, ms: Math.round(performance.now() - exchange.started) }, "request done");
    }
  };

  app.setErrorHandler((error, request, reply) => {
    if (isAbort(error)) {
      // The client went away; there is nobody to answer.
      reply.hijack();
      reply.raw.destroy();
      return;
    }
    const err = httpError(error, bodyLimit);
    if (err.status >= 500) log?.error({ err: error, reqId: request.id }, "request failed");
    const route = routeOf(request.url);
    if (route && !handled.has(request)) {
      metrics.requests.inc({ route, status: String(err.status) });
      metrics.errors.inc({ route, code: err.code });
    }
    if (reply.sent || reply.raw.headersSent) return;
    void reply.status(err.status).send(errorBody(err));
  });

  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send(errorBody(notFound(`Unknown route ${request.method} ${request.url}; ${ROUTES_HELP}.`)));
  });

  app.get("/healthz", async (_request, reply) => {
    const stats = engine.stats();
    return reply.status(closing ? 503 : 200).send({
      status: closing ? "closing" : "ok",
      ready: !closing,
      model: modelName,
      in_flight: inFlight,
      active: stats.active,
      queued: stats.queued,
      context_length: engine.info.contextLength,
      chat_template: engine.info.chatTemplate,
    });
  });

  app.get("/metrics", async (_request, reply) => {
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });

  const modelCard = () => ({
    id: modelName,
    object: "model" as const,
    created: 0,
    owned_by: "llmops",
    context_length: engine.info.contextLength,
  });
  app.get("/v1/models", async () => ({ object: "list" as const, data: [modelCard()] }));
  app.get<{ Params: { model: string } }>("/v1/models/:model", async (request) => {
    checkModel(request.params.model);
    return modelCard();
  });

  app.post("/v1/chat/completions", (request, reply) =>
    handle("chat", request, reply, async (exchange) => {
      const body = parseBody(chatCompletionRequestSchema, request.body);
      checkModel(body.model);
      const { messages, params } = chatParams(body);
      const wantLogprobs = params.logprobs !== undefined;
      const m = meta("chatcmpl");
      const events = engine.chat(messages, params, exchange.signal);
      if (!body.stream) {
        const out = await collect(events, exchange);
        exchange.succeeded(out.usage);
        return chatCompletion(m, out.text, out.finishReason, out.usage, wantLogprobs ? out.tokens : null);
      }
      const includeUsage = body.stream_options?.include_usage === true;
      await streamEvents(
        reply,
        exchange,
        events,
        {
          start: () => [chatChunk(m, { role: "assistant", content: "" }, { withUsageField: includeUsage })],
          delta: (event) => [
            chatChunk(
              m,
              { content: event.text },
              { tokens: wantLogprobs ? event.tokens : null, withUsageField: includeUsage },
            ),
          ],
          done: (finishReason, usage) => [
            chatChunk(m, {}, { finishReason, withUsageField: includeUsage }),
            ...(includeUsage ? [chatUsageChunk(m, usage)] : []),
          ],
        },
        coalesceMs,
      );
      return reply;
    }),
  );

  app.post("/v1/completions", (request, reply) =>
    handle("completions", request, reply, async (exchange) => {
      const body = parseBody(completionRequestSchema, request.body);
      checkModel(body.model);
      const { prompt, params } = completionParams(body);
      const wantLogprobs = params.logprobs !== undefined;
      const m = meta("cmpl");
      let echoText = "";
      let echoTokens: Parameters<typeof completionLogprobs>[0] = [];
      if (body.echo) {
        echoText = typeof prompt === "string" ? prompt : await engine.detokenize(prompt);
        if (wantLogprobs) {
          if (!engine.score) {
            throw new LlmopsError("invalid_request", "echo with logprobs is not supported by this engine.", {
              param: "echo",
            });
          }
          echoTokens = (await engine.score(prompt, { topLogprobs: params.logprobs ?? 0, signal: exchange.signal }))
            .tokens;
        }
      }
      const offsets = new TextOffsetCounter();
      const events = engine.complete({ ...params, prompt }, exchange.signal);
      if (!body.stream) {
        const out = await collect(events, exchange);
        exchange.succeeded(out.usage);
        const logprobs = wantLogprobs ? completionLogprobs([...echoTokens, ...out.tokens], offsets) : null;
        return textCompletion(m, echoText + out.text, out.finishReason, out.usage, logprobs);
      }
      const includeUsage = body.stream_options?.include_usage === true;
      await streamEvents(
        reply,
        exchange,
        events,
        {
          start: () =>
            echoText !== "" || echoTokens.length > 0
              ? [
                  textCompletionChunk(m, echoText, {
                    logprobs: wantLogprobs ? completionLogprobs(echoTokens, offsets) : null,
                    withUsageField: includeUsage,
                  }),
                ]
              : [],
          delta: (event) => [
            textCompletionChunk(m, event.text, {
              logprobs: wantLogprobs ? completionLogprobs(event.tokens, offsets) : null,
              withUsageField: includeUsage,
            }),
          ],
          done: (finishReason, usage) => [
            textCompletionChunk(m, "", { finishReason, withUsageField: includeUsage }),
            ...(includeUsage ? [textCompletionUsageChunk(m, usage)] : []),
          ],
        },
        coalesceMs,
      );
      return reply;
    }),
  );

  app.post("/v1/embeddings", (request, reply) =>
    handle("embeddings", request, reply, async (exchange) => {
      const body = parseBody(embeddingRequestSchema, request.body);
      checkModel(body.model);
      const dim = engine.info.embeddingDim;
      if (body.dimensions != null && dim !== null && body.dimensions !== dim) {
        throw new LlmopsError(
          "invalid_request",
          `dimensions: this model's embeddings have ${dim} dimensions; omit the field or send ${dim}.`,
          { param: "dimensions" },
        );
      }
      const result = await engine.embed(embeddingInputs(body), exchange.signal);
      exchange.succeeded({ promptTokens: result.promptTokens, completionTokens: 0 });
      return embeddingList(modelName, result.vectors, result.promptTokens, body.encoding_format ?? "float");
    }),
  );

  registerScoreRoute(app, engine, checkModel); // POST /v1/score: batched continuation log-probs (explain)
  return app;
}

interface ChunkMaker {
  start(): unknown[];
  delta(event: Extract<GenerationEvent, { type: "delta" }>): unknown[];
  done(finishReason: FinishReason, usage: Usage): unknown[];
}

/**
 * Streams engine events as SSE. The first event is awaited before the 200 goes out, so errors that
 * come before any output (context too long, busy) still get a proper status and JSON body.
 */
async function streamEvents(
  reply: FastifyReply,
  exchange: Exchange,
  events: AsyncIterable<GenerationEvent>,
  chunks: ChunkMaker,
  coalesceMs: number,
): Promise<void> {
  const iterator = events[Symbol.asyncIterator]();
  try {
    let next = await iterator.next();
    reply.hijack();
    const sse = new SseWriter(reply.raw, coalesceMs);
    sse.open();
    const send = async (items: unknown[]) => {
      for (const c of items) {
        const wait = sse.send(c);
        if (wait) await wait;
      }
    };
    try {
      // Chunks made before the first delta are queued with it and leave in one write.
      sse.hold();
      await send(chunks.start());
      while (!next.done) {
        const event = next.value;
        if (event.type === "delta") {
          exchange.firstToken();
          await send(chunks.delta(event));
          sse.release();
        } else {
          await send(chunks.done(event.finishReason, event.usage));
          sse.end();
          exchange.succeeded(event.usage);
          return;
        }
        if (sse.gone) throw Object.assign(new Error("client closed"), { name: "AbortError" });
        next = await iterator.next();
      }
      throw new LlmopsError("internal", "The engine ended a generation without a final event.");
    } catch (error) {
      exchange.failed(error);
      sse.fail(httpError(error)); // a no-op when the client is gone
    }
  } finally {
    await iterator.return?.(undefined);
  }
}

// ---- a whole worker process --------------------------------------------------------------------

export interface StartWorkerOptions {
  modelPath: string;
  modelName: string;
  host?: string;
  port?: number;
  threads: number;
  contextSize?: number;
  /** Requests generated in parallel inside this process (default 1; more processes scale better on CPU). */
  sequences?: number;
  logger?: Logger;
  acceptAnyModel?: boolean;
  /** On close, how long in-flight requests may finish before they are cut off (default 10 s). */
  drainTimeoutMs?: number;
  /** KV-cache precision (default f16); see LlamaCppEngineOptions.kvCache. */
  kvCache?: "f16" | "f32";
  tracing?: WorkerServerOptions["tracing"];
}

export interface RunningWorker {
  /** Base URL for OpenAI clients, e.g. http://127.0.0.1:8100/v1 */
  url: string;
  /** Scheme, host and port, e.g. http://127.0.0.1:8100 (for /healthz and /metrics). */
  origin: string;
  port: number;
  server: FastifyInstance;
  engine: Engine;
  /** Stops listening, lets in-flight requests finish (up to drainTimeoutMs), frees the model. */
  close(): Promise<void>;
}

function engineLogger(logger: Logger | undefined): EngineLogger | undefined {
  if (!logger) return undefined;
  return {
    info: (m) => logger.info(m),
    warn: (m) => logger.warn(m),
    debug: (m) => logger.debug(m),
  };
}

export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const log = engineLogger(options.logger);
  const engine = await openLlamaCppEngine({
    modelPath: options.modelPath,
    id: options.modelName,
    threads: options.threads,
    ...(options.contextSize !== undefined ? { contextSize: options.contextSize } : {}),
    ...(options.sequences !== undefined ? { sequences: options.sequences } : {}),
    ...(options.kvCache !== undefined ? { kvCache: options.kvCache } : {}),
    ...(log ? { logger: log } : {}),
  });
  const server = createWorkerServer({
    engine,
    modelName: options.modelName,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.acceptAnyModel !== undefined ? { acceptAnyModel: options.acceptAnyModel } : {}),
    tracing: options.tracing,
  });
  try {
    await server.listen({ host: options.host ?? "127.0.0.1", port: options.port ?? 0 });
  } catch (error) {
    await server.close().catch(() => undefined);
    await engine.close();
    const e = error as { code?: string };
    throw new LlmopsError(
      "unavailable",
      e.code === "EADDRINUSE"
        ? `Port ${options.port} is already in use; pick another with --port (0 = any free port).`
        : `Cannot listen on ${options.host ?? "127.0.0.1"}:${options.port ?? 0} (${error instanceof Error ? error.message : String(error)}).`,
      { cause: error },
    );
  }
  const address = server.server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const origin = `http://${host === "0.0.0.0" || host === "[::]" ? "127.0.0.1" : host}:${address.port}`;
  let closed: Promise<void> | undefined;
  return {
    url: `${origin}/v1`,
    origin,
    port: address.port,
    server,
    engine,
    close() {
      closed ??= (async () => {
        const stopped = server.close();
        const drain = options.drainTimeoutMs ?? 10_000;
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([stopped, new Promise((r) => (timer = setTimeout(r, drain)))]);
        clearTimeout(timer);
        await engine.close(); // ends whatever is still generating; their streams get an error event
        await stopped;
      })();
      return closed;
    },
  };
}
