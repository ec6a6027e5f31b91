// Errors on every HTTP surface use OpenAI's shape, so SDKs and scripts handle them one way.
import type { FastifyError, FastifyInstance } from "fastify";
import { asLlmopsError, LlmopsError, toOpenAiError } from "../errors.js";

/** Maps Fastify's own errors (bad JSON, body too large, …) and ours to OpenAI-shaped responses. */
export function toHttpError(error: unknown): LlmopsError {
  if (error instanceof LlmopsError) return error;
  const fastifyError = error as Partial<FastifyError>;
  const status = fastifyError.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    if (fastifyError.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      return new LlmopsError("invalid_request", "Request body is too large.", { status: 413 });
    }
    if (fastifyError.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      return new LlmopsError(
        "invalid_request",
        `Unsupported Content-Type; send application/json${fastifyError.message ? ` (${fastifyError.message})` : ""}.`,
        { status: 415 },
      );
    }
    const message =
      fastifyError.code === "FST_ERR_CTP_EMPTY_JSON_BODY" || error instanceof SyntaxError
        ? `The request body is not valid JSON: ${fastifyError.message}`
        : (fastifyError.message ?? "Bad request");
    return new LlmopsError("invalid_request", message, { status });
  }
  return asLlmopsError(error);
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const httpError = toHttpError(error);
    if (httpError.status >= 500) request.log.error({ err: error }, "request failed");
    void reply.status(httpError.status).send(toOpenAiError(httpError));
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new LlmopsError("not_found", `No route ${request.method} ${request.url.split("?")[0]}.`);
    void reply.status(404).send(toOpenAiError(error));
  });
}
