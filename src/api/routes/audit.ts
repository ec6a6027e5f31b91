// /api/v1/audit: the hash-chained audit trail (admins only): list, verify, JSONL export.
import { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import type { Platform } from "../../platform/open.js";
import { type AuditQuery, exportAudit, listAudit, verifyAudit } from "../../security/audit.js";
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
  // Oldest first, one JSON object per line, streamed page by page (?since=ISO&after=SEQ&action=…).
  app.get("/api/v1/audit/export", async (request, reply) => {
    await authorize(platform.keys, request, "audit:read");
    const q = (request.query ?? {}) as Record<string, string | undefined>;
    const events = exportAudit(platform.store, { since: q.since, after: q.after, action: q.action });
    // Pull the first page before answering, so a bad query is a 400 and not a broken stream.
    const first = await events.next();
    async function* lines(): AsyncGenerator<string> {
      if (first.done) return;
      yield `${JSON.stringify(first.value)}\n`;
      for await (const event of events) yield `${JSON.stringify(event)}\n`;
    }
    return reply.type("application/x-ndjson; charset=utf-8").send(Readable.from(lines()));
  });
}
