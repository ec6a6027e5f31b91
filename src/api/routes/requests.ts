// /api/v1/requests (the gateway's request log) and /api/v1/workers (live model servers).
import type { FastifyInstance } from "fastify";
import { listRequests, type RequestQuery } from "../../monitor/requests.js";
import type { Platform } from "../../platform/open.js";
import { liveWorkers } from "../../platform/workers.js";
import { authorize } from "../auth.js";

export function requestRoutes(app: FastifyInstance, platform: Platform): void {
  app.get("/api/v1/requests", async (request) => {
    await authorize(platform.keys, request, "requests:read");
    const q = (request.query ?? {}) as Record<string, string | undefined>;
    const query: RequestQuery = { limit: q.limit, model: q.model, status: q.status, since: q.since, keyId: q.key_id };
    return { object: "list", data: await listRequests(platform.store, query) };
  });
  app.get("/api/v1/workers", async (request) => {
    await authorize(platform.keys, request, "models:read");
    return { object: "list", data: await liveWorkers(platform.store) };
  });
}
