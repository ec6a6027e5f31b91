// /api/v1/me: who the presented key is and what its role may do (the dashboard's sign-in and
// Settings page), plus every role's permissions.
import type { FastifyInstance } from "fastify";
import { extractApiKey } from "../../gateway/auth.js";
import type { Platform } from "../../platform/open.js";
import { permissionsOf, ROLES } from "../../security/roles.js";

export function sessionRoutes(app: FastifyInstance, platform: Platform): void {
  app.get("/api/v1/me", async (request) => {
    const principal = await platform.keys.authenticate(extractApiKey(request.headers));
    return {
      key_id: principal.keyId,
      name: principal.name,
      role: principal.role,
      permissions: permissionsOf(principal.role),
      roles: Object.fromEntries(ROLES.map((role) => [role, permissionsOf(role)])),
    };
  });
}
