// Routes that need the running monitor (registered by platform/server.ts, not api/server.ts):
// GET /api/v1/alerts — each rule's state (inactive/pending/firing) and the recent webhook deliveries;
// POST /api/v1/drift/check — run a drift check and the alert evaluation now instead of waiting.
import type { FastifyInstance } from "fastify";
import type { Monitoring } from "../../monitor/drift/monitoring.js";
import type { Platform } from "../../platform/open.js";
import { authorize } from "../auth.js";

export function alertRoutes(app: FastifyInstance, platform: Platform, monitoring: Monitoring): void {
  app.get("/api/v1/alerts", { config: { permission: "requests:read" } }, async (request) => {
    await authorize(platform.keys, request, "requests:read");
    return {
      rules: platform.config.alerts?.rules ?? [],
      webhook: platform.config.alerts?.webhook ? { url: platform.config.alerts.webhook.url } : null,
      status: monitoring.alerts.status(),
      deliveries: monitoring.alerts.deliveries(),
    };
  });

  // Same permission as reading: a check only does now what the schedule does anyway.
  app.post("/api/v1/drift/check", { config: { permission: "requests:read" } }, async (request) => {
    await authorize(platform.keys, request, "requests:read");
    const report = await monitoring.tick();
    return { enabled: report !== undefined, report: report ?? null, alerts: monitoring.alerts.status() };
  });
}
