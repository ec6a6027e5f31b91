// /api/v1/keys: key management for admins.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { Platform } from "../../platform/open.js";
import { apiActor, authorize } from "../auth.js";
import { parseWith } from "../validate.js";

const createBody = z.object({ name: z.string().min(1).max(100), role: z.string().default("developer") });

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
    return reply.status(201).send(await keys.create({ ...body, createdBy: apiActor(principal) }));
  });
  app.delete("/api/v1/keys/:id", async (request) => {
    const principal = await authorize(keys, request, "keys:manage");
    const { id } = parseWith(z.object({ id: z.string().min(1) }), request.params, "path");
    return keys.revoke(id, apiActor(principal));
  });
}
