// Authentication and authorisation for the control-plane API: the same keys and roles as the
// gateway. Each route states the permission it needs.
import type { FastifyRequest } from "fastify";
import { LlmopsError } from "../errors.js";
import type { ApiKeys } from "../security/keys.js";
import type { Principal } from "../security/principal.js";
import { can, type Permission, rolesWith } from "../security/roles.js";

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    return match ? match[1]!.trim() : undefined;
  }
  const apiKey = request.headers["x-api-key"] ?? request.headers["api-key"];
  return typeof apiKey === "string" ? apiKey.trim() : undefined;
}

export async function authorize(keys: ApiKeys, request: FastifyRequest, permission: Permission): Promise<Principal> {
  const principal = await keys.authenticate(bearerToken(request));
  if (!can(principal.role, permission)) {
    throw new LlmopsError(
      "forbidden",
      `Key '${principal.name}' has role '${principal.role}', which may not ${permission.replace(":", " ")}; ` +
        `this needs one of: ${rolesWith(permission).join(", ")}.`,
    );
  }
  return principal;
}

/** The actor recorded in audit fields for API calls. */
export function apiActor(principal: Principal): string {
  return `key:${principal.name}(${principal.keyId})`;
}
