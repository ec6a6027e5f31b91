// Authentication and authorisation for the control-plane API: the same keys and roles as the
// gateway. Each route states the permission it needs (see src/security/route-permissions.ts for
// the declared matrix that test/roles-matrix.test.ts checks against every registered route).
import type { FastifyInstance, FastifyRequest } from "fastify";
import { LlmopsError } from "../errors.js";
import { extractApiKey } from "../gateway/auth.js";
import type { AuditEntry } from "../security/audit.js";
import type { ApiKeys } from "../security/keys.js";
import type { Principal } from "../security/principal.js";
import { can, type Permission, rolesWith } from "../security/roles.js";

const callers = new WeakMap<FastifyRequest, Principal>();

export async function authorize(keys: ApiKeys, request: FastifyRequest, permission: Permission): Promise<Principal> {
  const principal = await keys.authenticate(extractApiKey(request.headers));
  callers.set(request, principal);
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

const READS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Audits every admin action on the API: each request that may change something (any method but
 * GET/HEAD/OPTIONS), whatever its outcome, and each read that was refused (401/403) — who (key,
 * role, team), what (method, route, path parameters; never a body), when, and the status. The
 * change itself is also audited by its domain module, in the same transaction as the change.
 */
export function registerApiAudit(app: FastifyInstance, sink: (entry: AuditEntry) => void): void {
  app.addHook("onResponse", (request, reply, done) => {
    const status = reply.statusCode;
    if (READS.has(request.method) && status !== 401 && status !== 403) {
      done();
      return;
    }
    const principal = callers.get(request);
    const route = request.routeOptions.url ?? request.url.split("?", 1)[0]!.slice(0, 200);
    try {
      sink({
        at: new Date(Date.now() - reply.elapsedTime).toISOString(),
        actor: principal === undefined ? "anonymous" : apiActor(principal),
        action: "api.request",
        target: `route:${request.method} ${route}`,
        details: {
          requestId: request.id,
          method: request.method,
          route,
          params: request.params ?? {},
          status,
          keyId: principal?.keyId ?? null,
          role: principal?.role ?? null,
          team: principal?.team ?? null,
        },
      });
    } catch (error) {
      request.log.error({ err: error }, "the audit sink threw; the audit trail misses an API call");
    }
    done();
  });
}
