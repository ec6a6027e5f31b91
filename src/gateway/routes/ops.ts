// Unauthenticated operational endpoints: liveness and Prometheus metrics. Bind the gateway to a
// private interface or filter /metrics at the edge if its labels (model names) are sensitive.
import type { FastifyInstance } from "fastify";
import type { Registry } from "prom-client";

export const OPS_ROUTES: ReadonlySet<string> = new Set(["/healthz", "/metrics"]);

export function registerOpsRoutes(app: FastifyInstance, registry: Registry): void {
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/metrics", async (_request, reply) => {
    const text = await registry.metrics();
    return reply.header("content-type", registry.contentType).send(text);
  });
}
