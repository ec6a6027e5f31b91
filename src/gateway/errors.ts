// Maps everything that can go wrong in the gateway to an LlmopsError, so every /v1 answer that is
// not a success has OpenAI's error shape and SDKs raise the matching exception class.
import { asLlmopsError, LlmopsError, unavailable } from "../errors.js";

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
}

function isFastifyLikeError(error: unknown): error is FastifyLikeError {
  return typeof error === "object" && error !== null && "statusCode" in error;
}

/** Turns anything thrown during a request into the LlmopsError the client will see. */
export function toGatewayError(error: unknown, bodyLimitBytes: number): LlmopsError {
  if (error instanceof LlmopsError) return error;
  if (isFastifyLikeError(error)) {
    switch (error.code) {
      case "FST_ERR_CTP_BODY_TOO_LARGE":
        return new LlmopsError(
          "invalid_request",
          `request body is larger than the gateway's limit of ${bodyLimitBytes} bytes; send a shorter prompt or raise the gateway's body limit`,
          { status: 413 },
        );
      case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
        return new LlmopsError("invalid_request", "Content-Length does not match the body that was sent", {
          status: 400,
        });
      case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
        return new LlmopsError("invalid_request", "send the body as JSON with Content-Type: application/json", {
          status: 415,
        });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return new LlmopsError("invalid_request", error.message ?? "bad request", { status });
    }
  }
  return asLlmopsError(error);
}

export function malformedJson(detail: string): LlmopsError {
  return new LlmopsError(
    "invalid_request",
    `request body is not valid JSON (${detail}); send a JSON object such as {"model":"tiny","messages":[{"role":"user","content":"Hi"}]}`,
  );
}

export function noReachableWorker(model: string, cause?: unknown): LlmopsError {
  return unavailable(`no worker for model ${model} is reachable; check \`llmops up\` / worker logs`, cause);
}

export function upstreamTimeout(upstreamId: string, timeoutMs: number): LlmopsError {
  return new LlmopsError(
    "unavailable",
    `upstream ${upstreamId} did not answer within ${timeoutMs} ms; check the worker's log or raise the gateway's upstream timeout`,
    { status: 504 },
  );
}

/** An upstream answered with something that is not an OpenAI-shaped error (HTML from a proxy, plain text…). */
export function badUpstreamAnswer(upstreamId: string, status: number, contentType: string, text: string): LlmopsError {
  const snippet = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  return new LlmopsError(
    "unavailable",
    `upstream ${upstreamId} answered HTTP ${status} with a non-JSON body (${contentType || "no content type"}): ${JSON.stringify(snippet)}; check the worker's log`,
    { status: 502 },
  );
}

export function upstreamBroke(upstreamId: string, cause: unknown): LlmopsError {
  return new LlmopsError(
    "unavailable",
    `upstream ${upstreamId} failed mid-response (${describeCause(cause)}); check the worker's log`,
    { status: 502, cause },
  );
}

export function describeCause(cause: unknown): string {
  if (typeof cause === "object" && cause !== null) {
    const code = "code" in cause && typeof cause.code === "string" ? cause.code : undefined;
    const message = cause instanceof Error ? cause.message : undefined;
    return [code, message].filter((part) => part !== undefined && part !== "").join(": ") || "unknown error";
  }
  return String(cause);
}
