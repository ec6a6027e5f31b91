// /api/v1/me: who the presented key is and what its role may do (the dashboard's sign-in and
// Settings page), every role's permissions, and which optional APIs this server has — so the
// dashboard shows "not available yet" without probing (and logging 404s) for APIs still to land.
import type { FastifyInstance, HTTPMethods } from "fastify";
import { extractApiKey } from "../../gateway/auth.js";
import type { Platform } from "../../platform/open.js";
import { permissionsOf, ROLES } from "../../security/roles.js";

/** APIs that pages light up when they exist: path → the methods any of which counts. */
const OPTIONAL_APIS: Record<string, HTTPMethods[]> = {
  "/api/v1/evals": ["GET"],
  "/api/v1/drift": ["GET"],
  "/api/v1/alerts": ["GET"],
  "/api/v1/explain": ["POST"],
  "/api/v1/models/:name/rollouts": ["GET"],
};

export function sessionRoutes(app: FastifyInstance, platform: Platform): void {
  app.get("/api/v1/me", async (request) => {
    const principal = await platform.keys.authenticate(extractApiKey(request.headers));
    return {
      key_id: principal.keyId,
      name: principal.name,
      role: principal.role,
      permissions: permissionsOf(principal.role),
      roles: Object.fromEntries(ROLES.map((role) => [role, permissionsOf(role)])),
      apis: Object.fromEntries(
        Object.entries(OPTIONAL_APIS).map(([url, methods]) => [
          url,
          methods.some((method) => app.hasRoute({ method, url })),
        ]),
      ),
    };
  });
}
