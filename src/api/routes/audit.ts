// /api/v1/audit: the hash-chained audit trail (admins only).
import type { FastifyInstance } from "fastify";
import type { Platform } from "../../platform/open.js";
import { type AuditQuery, listAudit, verifyAudit } from "../../security/audit.js";
import { authorize } from "../auth.js";

export function auditRoutes(app: FastifyInstance, platform: Platform): void {
  app.get("/api/v1/audit", async (request) => {
    await authorize(platform.keys, request, "audit:read");
    const q = (request.query ?? {}) as Record<string, string | undefined>;
    const query: AuditQuery = { limit: q.limit, action: q.action, target: q.target, before: q.before };
    return { object: "list", data: await listAudit(platform.store, query) };
  });
  app.get("/api/v1/audit/verify", async (request) => {
    await authorize(platform.keys, request, "audit:read");
    return verifyAudit(platform.store);
  });
}
