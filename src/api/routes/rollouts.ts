// /api/v1/models/:name/…/rollout: canary, shadow and blue/green rollouts of an alias over HTTP (the
// same records as `llmops models rollout …`). Reading needs models:read, changing models:write.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { Platform } from "../../platform/open.js";
import { ROLLOUT_KINDS, RolloutStore } from "../../registry/rollouts.js";
import { apiActor, authorize } from "../auth.js";
import { parseWith } from "../validate.js";

const nameParams = z.object({ name: z.string().min(1) });
const aliasParams = nameParams.extend({ alias: z.string().min(1) });
const idParams = z.object({ id: z.string().min(1).max(64) });
const listQuery = z.object({
  alias: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const startBody = z
  .object({
    kind: z.enum(ROLLOUT_KINDS).default("canary"),
    candidate: z.number().int().min(1),
    percent: z.number().min(0).max(100).optional(),
    slo: z
      .object({
        max_error_rate: z.number().min(0).max(1).optional(),
        max_p95_ms: z.number().positive().optional(),
        window_ms: z.number().int().min(1000).max(86_400_000).optional(),
        min_samples: z.number().int().min(1).max(16_000).optional(),
      })
      .strict()
      .optional(),
    reason: z.string().max(1000).optional(),
  })
  .strict();
const weightBody = z.object({ percent: z.number().min(0).max(100) }).strict();
const reasonBody = z.object({ reason: z.string().max(1000).optional() }).strict();
const samplesQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });

export function rolloutRoutes(app: FastifyInstance, platform: Platform): void {
  const rollouts = new RolloutStore(platform.store, platform.registry);

  app.get("/api/v1/models/:name/rollouts", async (request) => {
    await authorize(platform.keys, request, "models:read");
    const { name } = parseWith(nameParams, request.params, "path");
    const q = parseWith(listQuery, request.query, "query");
    return { object: "list", data: await rollouts.list(name, { alias: q.alias, limit: q.limit }) };
  });

  app.get("/api/v1/models/:name/aliases/:alias/rollout", async (request) => {
    await authorize(platform.keys, request, "models:read");
    const { name, alias } = parseWith(aliasParams, request.params, "path");
    return rollouts.requireActive(name, alias);
  });

  app.post("/api/v1/models/:name/aliases/:alias/rollout", async (request, reply) => {
    const principal = await authorize(platform.keys, request, "models:write");
    const { name, alias } = parseWith(aliasParams, request.params, "path");
    const body = parseWith(startBody, request.body);
    const started = await rollouts.start({
      model: name,
      alias,
      kind: body.kind,
      candidate: body.candidate,
      percent: body.percent,
      slo: {
        maxErrorRate: body.slo?.max_error_rate,
        maxP95Ms: body.slo?.max_p95_ms,
        windowMs: body.slo?.window_ms,
        minSamples: body.slo?.min_samples,
      },
      actor: apiActor(principal),
      reason: body.reason,
    });
    return reply.code(201).send(started);
  });

  app.patch("/api/v1/models/:name/aliases/:alias/rollout", async (request) => {
    const principal = await authorize(platform.keys, request, "models:write");
    const { name, alias } = parseWith(aliasParams, request.params, "path");
    const { percent } = parseWith(weightBody, request.body);
    return rollouts.setPercent(name, alias, percent, apiActor(principal));
  });

  for (const verb of ["switch", "promote", "abort"] as const) {
    app.post(`/api/v1/models/:name/aliases/:alias/rollout/${verb}`, async (request) => {
      const principal = await authorize(platform.keys, request, "models:write");
      const { name, alias } = parseWith(aliasParams, request.params, "path");
      const { reason } = parseWith(reasonBody, request.body);
      const actor = apiActor(principal);
      if (verb === "switch") return rollouts.switchOver(name, alias, actor, reason);
      if (verb === "promote") return rollouts.promote(name, alias, actor, reason);
      return rollouts.abort(name, alias, actor, reason);
    });
  }

  app.get("/api/v1/rollouts/:id", async (request) => {
    await authorize(platform.keys, request, "models:read");
    const { id } = parseWith(idParams, request.params, "path");
    return rollouts.get(id);
  });

  app.get("/api/v1/rollouts/:id/shadow", async (request) => {
    await authorize(platform.keys, request, "models:read");
    const { id } = parseWith(idParams, request.params, "path");
    const { limit } = parseWith(samplesQuery, request.query, "query");
    await rollouts.get(id); // 404 for an unknown rollout rather than an empty list
    return { object: "list", data: await rollouts.shadowSamples(id, limit) };
  });
}
