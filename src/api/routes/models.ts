// /api/v1/models: the registry over HTTP. Uploads stream to a temp file under LLMOPS_HOME and are
// registered from there, so a large GGUF is never held in memory.
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { FastifyInstance } from "fastify";
import { ulid } from "ulid";
import { z } from "zod";
import { invalidRequest } from "../../errors.js";
import type { Platform } from "../../platform/open.js";
import { parseVersion } from "../../registry/index.js";
import { apiActor, authorize } from "../auth.js";
import { parseWith } from "../validate.js";

const nameParams = z.object({ name: z.string().min(1) });
const versionParams = nameParams.extend({ selector: z.string().min(1) });
const aliasParams = nameParams.extend({ alias: z.string().min(1) });
const registerQuery = z.object({
  alias: z.string().optional(),
  description: z.string().max(10_000).optional(),
  tag: z.union([z.string(), z.array(z.string())]).optional(),
  parent: z.string().optional(),
  run: z.string().optional(),
});
const aliasBody = z.object({
  version: z.union([z.number().int(), z.string()]),
  reason: z.string().max(1000).optional(),
});
const rollbackBody = z.object({ reason: z.string().max(1000).optional() }).optional();

export function modelRoutes(app: FastifyInstance, platform: Platform): void {
  const { registry, keys } = platform;

  app.get("/api/v1/models", async (request) => {
    await authorize(keys, request, "models:read");
    return { object: "list", data: await registry.list() };
  });

  app.get("/api/v1/models/:name", async (request) => {
    await authorize(keys, request, "models:read");
    const { name } = parseWith(nameParams, request.params, "path");
    return registry.getModel(name);
  });

  app.get("/api/v1/models/:name/versions/:selector", async (request) => {
    await authorize(keys, request, "models:read");
    const { name, selector } = parseWith(versionParams, request.params, "path");
    return registry.resolve(`${name}@${selector}`);
  });

  app.get("/api/v1/models/:name/alias-history", async (request) => {
    await authorize(keys, request, "models:read");
    const { name } = parseWith(nameParams, request.params, "path");
    return { object: "list", data: await registry.aliasHistory(name) };
  });

  app.post("/api/v1/models/:name/versions", { bodyLimit: Number.MAX_SAFE_INTEGER }, async (request, reply) => {
    const principal = await authorize(keys, request, "models:write");
    const { name } = parseWith(nameParams, request.params, "path");
    const query = parseWith(registerQuery, request.query, "query");
    if (!(request.body && typeof (request.body as Readable).pipe === "function")) {
      throw invalidRequest("Send the GGUF file as the body with Content-Type: application/octet-stream.");
    }
    const tmpDir = path.join(platform.config.home, "tmp");
    await mkdir(tmpDir, { recursive: true });
    const file = path.join(tmpDir, `upload-${ulid()}.gguf`);
    try {
      await pipeline(request.body as Readable, createWriteStream(file));
      const version = await registry.register({
        file,
        name,
        alias: query.alias,
        description: query.description,
        tags: parseTags(query.tag),
        lineage: { ...(query.parent ? { parent: query.parent } : {}), ...(query.run ? { runId: query.run } : {}) },
        actor: apiActor(principal),
      });
      version.lineage.sourceFile = "upload";
      return reply.status(201).send(version);
    } finally {
      await rm(file, { force: true });
    }
  });

  app.put("/api/v1/models/:name/aliases/:alias", async (request) => {
    const principal = await authorize(keys, request, "models:write");
    const { name, alias } = parseWith(aliasParams, request.params, "path");
    const body = parseWith(aliasBody, request.body);
    return registry.setAlias(name, parseVersion(String(body.version)), alias, apiActor(principal), body.reason);
  });

  // Moves the alias only when a passing gated eval run of the version exists (see src/eval/promote.ts).
  app.post("/api/v1/models/:name/aliases/:alias/promote", async (request) => {
    const principal = await authorize(keys, request, "models:write");
    const { name, alias } = parseWith(aliasParams, request.params, "path");
    const body = parseWith(aliasBody, request.body);
    const { promoteWithGate } = await import("../../eval/promote.js");
    const { event, evalRun } = await promoteWithGate(
      platform,
      `${name}@${parseVersion(String(body.version))}`,
      alias,
      apiActor(principal),
      body.reason,
    );
    return { ...event, evalRun: evalRun.id };
  });

  app.post("/api/v1/models/:name/aliases/:alias/rollback", async (request) => {
    const principal = await authorize(keys, request, "models:write");
    const { name, alias } = parseWith(aliasParams, request.params, "path");
    const body = parseWith(rollbackBody, request.body);
    return registry.rollback(name, alias, apiActor(principal), body?.reason);
  });
}

function parseTags(tag: string | string[] | undefined): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const item of tag === undefined ? [] : Array.isArray(tag) ? tag : [tag]) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw invalidRequest(`Invalid tag '${item}': use key=value.`, "tag");
    tags[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return tags;
}
