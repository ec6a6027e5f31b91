// What makes two requests "the same" for the caches: the resolved model version, the route, the
// tenant (the key, unless caches are shared) and the body with its keys sorted, minus the fields
// that do not change the answer's content (`stream`, `stream_options`, `user`, and `model`, which is
// replaced by the resolved version so `tiny`, `tiny@production` and `tiny@3` share entries).
import type { IncomingHttpHeaders } from "node:http";
import { sha256 } from "../../util/sha256.js";
import type { InferenceRoute } from "../body.js";
import type { PolicyRequest } from "./types.js";

const IGNORED = new Set(["model", "stream", "stream_options", "user"]);

/** JSON with object keys sorted at every level, so key order in the request does not matter. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const keys = Object.keys(value).sort();
    const parts: string[] = [];
    for (const key of keys) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) parts.push(`${JSON.stringify(key)}:${canonicalJson(item)}`);
    }
    return `{${parts.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return (Array.isArray(value) ? value.join(",") : (value ?? "")).toLowerCase();
}

/** The client asked not to use caches: `x-llmops-cache: no` (or off/bypass/false) or `cache-control: no-store|no-cache`. */
export function cacheOptOut(headers: IncomingHttpHeaders): boolean {
  const ours = header(headers, "x-llmops-cache").trim();
  if (ours === "no" || ours === "off" || ours === "bypass" || ours === "false" || ours === "0") return true;
  const control = header(headers, "cache-control");
  return control.includes("no-store") || control.includes("no-cache");
}

/** Embeddings always; completions with temperature 0 or a fixed seed (sampled answers differ by design). */
export function isDeterministic(route: InferenceRoute, json: Record<string, unknown>): boolean {
  if (route === "/v1/embeddings") return true;
  return json.temperature === 0 || (typeof json.seed === "number" && Number.isFinite(json.seed));
}

export function tenantOf(request: PolicyRequest, shared: boolean): string {
  return shared ? "*" : request.principal.keyId;
}

/** Hex sha256 of everything that determines the answer. */
export function exactCacheKey(request: PolicyRequest, shared: boolean): string {
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(request.body.json)) if (!IGNORED.has(key)) body[key] = value;
  const material = canonicalJson({
    v: 1,
    route: request.route,
    model: request.resolved.resolved,
    tenant: tenantOf(request, shared),
    body,
  });
  return sha256(material);
}

/**
 * For the semantic cache: the text to embed (the last user message, or the prompt) and a namespace
 * hashing everything else (system prompt, history, sampling parameters, model, tenant) that must
 * match exactly. Undefined when the request has no single text to compare (token ids, arrays).
 */
export function semanticParts(
  request: PolicyRequest,
  shared: boolean,
): { text: string; namespace: string } | undefined {
  const json = request.body.json;
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) if (!IGNORED.has(key)) rest[key] = value;
  let text: string | undefined;
  if (request.route === "/v1/chat/completions" && Array.isArray(json.messages)) {
    const messages = json.messages as unknown[];
    const last = messages[messages.length - 1] as { role?: unknown; content?: unknown } | undefined;
    if (last?.role !== "user" || typeof last.content !== "string") return undefined;
    text = last.content;
    rest.messages = messages.slice(0, -1);
  } else if (request.route === "/v1/completions" && typeof json.prompt === "string") {
    text = json.prompt;
    rest.prompt = null;
  }
  if (text === undefined || text.trim() === "") return undefined;
  const material = canonicalJson({
    v: 1,
    route: request.route,
    model: request.resolved.resolved,
    tenant: tenantOf(request, shared),
    rest,
  });
  return { text, namespace: sha256(material) };
}
