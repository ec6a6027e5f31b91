// Light checks of an inference body before it is forwarded. The upstream (our worker or any
// OpenAI-compatible server) validates every field itself; the gateway only makes sure the request
// is routable and not garbage: a JSON object, a model name, a boolean `stream`, and the one field
// each endpoint cannot do without. Anything else passes through untouched.
import { invalidRequest } from "../errors.js";
import { malformedJson } from "./errors.js";

export type InferenceRoute = "/v1/chat/completions" | "/v1/completions" | "/v1/embeddings";

export interface InferenceBody {
  json: Record<string, unknown>;
  model: string;
  stream: boolean;
}

/** Fastify content parser: every content type is read as JSON (curl -d sends form encoding). */
export function parseJsonBody(body: string): unknown {
  if (body.length === 0) {
    throw invalidRequest('request body is empty; send a JSON object such as {"model":"tiny","messages":[…]}');
  }
  try {
    // JSON.parse keeps a "__proto__" key as an own property; the body is only read and re-serialised,
    // never merged into another object, so prototype poisoning cannot happen here.
    return JSON.parse(body);
  } catch (error) {
    throw malformedJson(error instanceof Error ? error.message : String(error));
  }
}

const MODEL_NAME_MAX = 256;

export function readInferenceBody(body: unknown, route: InferenceRoute): InferenceBody {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalidRequest(
      `request body must be a JSON object, got ${body === undefined ? "no body" : Array.isArray(body) ? "an array" : body === null ? "null" : typeof body}`,
    );
  }
  const json = body as Record<string, unknown>;
  const model = json.model;
  if (typeof model !== "string" || model.trim() === "") {
    throw invalidRequest(
      "`model` is required and must be a non-empty string; list the models with GET /v1/models",
      "model",
    );
  }
  if (model.length > MODEL_NAME_MAX)
    throw invalidRequest(`\`model\` is longer than ${MODEL_NAME_MAX} characters`, "model");
  const stream = json.stream;
  if (stream !== undefined && stream !== null && typeof stream !== "boolean") {
    throw invalidRequest("`stream` must be true or false", "stream");
  }
  if (route === "/v1/chat/completions") {
    if (!Array.isArray(json.messages) || json.messages.length === 0) {
      throw invalidRequest('`messages` must be a non-empty array such as [{"role":"user","content":"Hi"}]', "messages");
    }
  } else if (route === "/v1/completions") {
    if (typeof json.prompt !== "string" && !Array.isArray(json.prompt)) {
      throw invalidRequest("`prompt` is required: a string or an array of strings/token ids", "prompt");
    }
  } else if (typeof json.input !== "string" && !Array.isArray(json.input)) {
    throw invalidRequest("`input` is required: a string or an array of strings/token ids", "input");
  }
  if (route === "/v1/embeddings" && stream === true) {
    throw invalidRequest("embeddings cannot be streamed; drop `stream`", "stream");
  }
  return { json, model, stream: stream === true };
}
