// /api/v1/keys: key management for admins.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { invalidRequest } from "../../errors.js";
import type { Platform } from "../../platform/open.js";
import { parseDuration } from "../../security/keys.js";
import { apiActor, authorize } from "../auth.js";
import { parseWith } from "../validate.js";

const createBody = z
  .object({
    name: z.string().min(1).max(100),
    role: z.string().default("developer"),
    team: z.string().max(64).nullish(),
    /** Models the key may use (NAME, NAME@ALIAS, NAME@VERSION); absent or null = all. */
    models: z.array(z.string().min(1).max(256)).max(1000).nullish(),
    /** A duration such as "30d" (see parseDuration) or an ISO time in expires_at. */
    expires_in: z.string().min(1).max(32).optional(),
    expires_at: z.string().min(1).max(64).nullish(),
  })
  .strict();

export function keyRoutes(app: FastifyInstance, platform: Platform): void {
  const { keys } = platform;
  app.get("/api/v1/keys", async (request) => {
    await authorize(keys, request, "keys:manage");
    const all = (request.query as Record<string, unknown>)?.all === "true";
    return { object: "list", data: await keys.list({ includeRevoked: all }) };
  });
  app.post("/api/v1/keys", async (request, reply) => {
    const principal = await authorize(keys, request, "keys:manage");
    const body = parseWith(createBody, request.body);
    if (body.expires_in !== undefined && body.expires_at !== undefined && body.expires_at !== null) {
      throw invalidRequest("Give either expires_in or expires_at, not both.", "expires_in");
    }
    const expiresAt =
      body.expires_in !== undefined
        ? new Date(Date.now() + parseDuration(body.expires_in, "expires_in"))
        : (body.expires_at ?? null);
    const created = await keys.create({
      name: body.name,
      role: body.role,
      team: body.team ?? null,
      models: body.models ?? null,
      expiresAt,
      createdBy: apiActor(principal),
    });
    return reply.status(201).send(created);
  });
  app.delete("/api/v1/keys/:id", async (request) => {
    const principal = await authorize(keys, request, "keys:manage");
    const { id } = parseWith(z.object({ id: z.string().min(1) }), request.params, "path");
    return keys.revoke(id, apiActor(principal));
  });
}
