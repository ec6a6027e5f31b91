// Authentication and authorisation for the control-plane API: the same keys and roles as the
// gateway. Each route states the permission it needs.
import type { FastifyRequest } from "fastify";
import { LlmopsError } from "../errors.js";
import { extractApiKey } from "../gateway/auth.js";
import type { ApiKeys } from "../security/keys.js";
import type { Principal } from "../security/principal.js";
import { can, type Permission, rolesWith } from "../security/roles.js";

export async function authorize(keys: ApiKeys, request: FastifyRequest, permission: Permission): Promise<Principal> {
  const principal = await keys.authenticate(extractApiKey(request.headers));
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
