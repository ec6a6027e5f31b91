// One error type for the whole platform. Every failure a user can cause carries a stable code,
// an HTTP status and a message that says what to do next; the CLI maps it to an exit code and
// the HTTP layers map it to OpenAI's error shape. Anything that is not an LlmopsError is a bug.

export type ErrorCode =
  | "invalid_request" // bad input: body, parameters, files, flags
  | "usage" // CLI usage error (exit code 2)
  | "config_invalid" // llmops.yaml / environment / flags fail validation
  | "unauthorized" // missing or invalid API key
  | "forbidden" // key is valid but its role may not do this
  | "not_found"
  | "conflict" // already exists / concurrent change lost
  | "context_length_exceeded"
  | "rate_limited"
  | "integrity" // stored bytes do not match their hash
  | "unavailable" // an upstream, worker or store cannot be reached
  | "internal";

const statusByCode: Record<ErrorCode, number> = {
  invalid_request: 400,
  usage: 400,
  config_invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  context_length_exceeded: 400,
  rate_limited: 429,
  integrity: 500,
  unavailable: 503,
  internal: 500,
};

/** OpenAI's `error.type` for each code, so SDKs raise the matching exception class. */
const openAiTypeByCode: Record<ErrorCode, string> = {
  invalid_request: "invalid_request_error",
  usage: "invalid_request_error",
  config_invalid: "invalid_request_error",
  unauthorized: "authentication_error",
  forbidden: "permission_error",
  not_found: "not_found_error",
  conflict: "invalid_request_error",
  context_length_exceeded: "invalid_request_error",
  rate_limited: "rate_limit_error",
  integrity: "server_error",
  unavailable: "server_error",
  internal: "server_error",
};

export interface LlmopsErrorOptions {
  /** The request field or CLI flag at fault, when there is one. */
  param?: string;
  /** Override the status derived from the code (e.g. 502 for a bad upstream). */
  status?: number;
  cause?: unknown;
}

export class LlmopsError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly param: string | undefined;

  constructor(code: ErrorCode, message: string, options: LlmopsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "LlmopsError";
    this.code = code;
    this.status = options.status ?? statusByCode[code];
    this.param = options.param;
  }

  toJSON(): OpenAiErrorBody {
    return toOpenAiError(this);
  }
}

export interface OpenAiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function isLlmopsError(error: unknown): error is LlmopsError {
  return error instanceof LlmopsError;
}

/** Wraps anything thrown into an LlmopsError; unknown errors become `internal` without leaking details. */
export function asLlmopsError(error: unknown): LlmopsError {
  if (error instanceof LlmopsError) return error;
  return new LlmopsError("internal", "Internal error; see the server log for details.", { cause: error });
}

export function toOpenAiError(error: LlmopsError): OpenAiErrorBody {
  return {
    error: {
      message: error.message,
      type: openAiTypeByCode[error.code],
      param: error.param ?? null,
      code: error.code,
    },
  };
}

// Short constructors keep call sites readable: `throw notFound("model 'x' has no version 3")`.
export const invalidRequest = (message: string, param?: string) =>
  new LlmopsError("invalid_request", message, param === undefined ? {} : { param });
export const notFound = (message: string, param?: string) =>
  new LlmopsError("not_found", message, param === undefined ? {} : { param });
export const conflict = (message: string) => new LlmopsError("conflict", message);
export const unavailable = (message: string, cause?: unknown) => new LlmopsError("unavailable", message, { cause });
