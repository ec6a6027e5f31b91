// API-key authentication and role checks for /v1 routes. Runs as an onRequest hook, i.e. before the
// body is read, so an unauthenticated client cannot make the gateway buffer or parse anything.
import type { IncomingHttpHeaders } from "node:http";
import type { FastifyReply, FastifyRequest } from "fastify";
import { LlmopsError } from "../errors.js";
import { rolesWith } from "../security/roles.js";
import type { GatewayDeps, Principal, Role } from "./types.js";

/** Roles that may call the inference routes and list models: the platform-wide grants. */
export const INFERENCE_ROLES: readonly Role[] = rolesWith("inference");
export const ANY_ROLE: readonly Role[] = rolesWith("models:read");

const principals = new WeakMap<FastifyRequest, Principal>();

/** The principal the auth hook attached to this request, if it ran and succeeded. */
export function principalOf(request: FastifyRequest): Principal | undefined {
  return principals.get(request);
}

/**
 * The API key of a request: `Authorization: Bearer KEY` (what OpenAI SDKs send), or the `api-key`
 * (Azure OpenAI SDKs) or `x-api-key` header. Returns undefined when none is present.
 */
export function extractApiKey(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    // Scheme is case-insensitive (RFC 9110); anything but Bearer is not a key we understand.
    if (authorization.length > 7 && authorization.slice(0, 7).toLowerCase() === "bearer ") {
      const key = authorization.slice(7).trim();
      if (key !== "") return key;
    }
    return undefined;
  }
  const header = headers["api-key"] ?? headers["x-api-key"];
  const value = Array.isArray(header) ? header[0] : header;
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

const missingKey = () =>
  new LlmopsError(
    "unauthorized",
    "missing API key; send `Authorization: Bearer <key>` (create one with `llmops keys create`)",
  );

/** onRequest hook for a route that only `roles` may call. */
export function requireRole(deps: GatewayDeps, roles: readonly Role[], describeRoute: string) {
  const needed = roles.join(", ");
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const key = extractApiKey(request.headers);
    if (key === undefined) throw missingKey();
    const principal = await deps.authenticate(key);
    principals.set(request, principal);
    if (!roles.includes(principal.role)) {
      throw new LlmopsError(
        "forbidden",
        `API key '${principal.name}' has role ${principal.role}; ${describeRoute} needs one of: ${needed}`,
      );
    }
  };
}
