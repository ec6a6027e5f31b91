// POST /v1/chat/completions, /v1/completions, /v1/embeddings: authenticate, check the body, resolve
// the model, then either proxy directly or — when limits, caches or guardrails are configured — run
// the policy pipeline around the proxy (see policy/types.ts for the order of its stages).
import type { FastifyInstance } from "fastify";
import { INFERENCE_ROLES, principalOf, requireRole } from "../auth.js";
import { type InferenceRoute, readInferenceBody } from "../body.js";
import { contextOf } from "../context.js";
import { noReachableWorker } from "../errors.js";
import type { PolicyPipeline } from "../policy/pipeline.js";
import type { UpstreamProxy } from "../proxy.js";
import type { GatewayDeps } from "../types.js";

export const INFERENCE_ROUTES: readonly InferenceRoute[] = [
  "/v1/chat/completions",
  "/v1/completions",
  "/v1/embeddings",
];

export function registerInferenceRoutes(
  app: FastifyInstance,
  deps: GatewayDeps,
  proxy: UpstreamProxy,
  policy?: PolicyPipeline,
): void {
  for (const route of INFERENCE_ROUTES) {
    const upstreamPath = route.slice("/v1".length);
    app.post(route, { onRequest: requireRole(deps, INFERENCE_ROLES, `POST ${route}`) }, async (request, reply) => {
      const context = contextOf(request);
      const body = readInferenceBody(request.body, route);
      context.model = body.model;
      context.stream = body.stream;
      const resolved = await deps.resolveModel(body.model);
      context.metricModel = body.model;
      context.resolved = resolved.resolved;
      // A model with fallbacks or a rollout may have no worker of its own: the proxy walks the rest.
      if (resolved.upstreams.length === 0 && resolved.fallbacks === undefined && resolved.rollout === undefined) {
        throw noReachableWorker(body.model);
      }
      const principal = policy === undefined ? undefined : principalOf(request);
      if (policy === undefined || principal === undefined) {
        await proxy.forward(request, reply, context, resolved, upstreamPath, body);
      } else {
        await policy.run({ request, reply, principal, route, body, resolved, context }, (hook) =>
          proxy.forward(request, reply, context, resolved, upstreamPath, body, hook),
        );
      }
      return reply;
    });
  }
}
