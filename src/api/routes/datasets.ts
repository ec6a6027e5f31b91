// /api/v1/datasets: datasets, their versions and paged rows over HTTP (read-only; versions are
// created by `llmops data ingest` and `llmops data run`).
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { MAX_PAGE } from "../../data/datasets.js";
import type { Platform } from "../../platform/open.js";
import { apiActor, authorize } from "../auth.js";
import { parseWith } from "../validate.js";

const nameParams = z.object({ name: z.string().min(1) });
const versionParams = nameParams.extend({ version: z.string().min(1) });
const rowsQuery = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100),
});

export function datasetRoutes(app: FastifyInstance, platform: Platform): void {
  const { datasets, keys } = platform;

  app.get("/api/v1/datasets", async (request) => {
    await authorize(keys, request, "datasets:read");
    return { object: "list", data: await datasets.list() };
  });

  app.get("/api/v1/datasets/:name", async (request) => {
    await authorize(keys, request, "datasets:read");
    const { name } = parseWith(nameParams, request.params, "path");
    return datasets.getDataset(name);
  });

  app.get("/api/v1/datasets/:name/versions/:version", async (request) => {
    await authorize(keys, request, "datasets:read");
    const { name, version } = parseWith(versionParams, request.params, "path");
    return datasets.detail(`${name}@${version}`);
  });

  app.get("/api/v1/datasets/:name/versions/:version/rows", async (request) => {
    let principal = await authorize(keys, request, "datasets:read");
    const { name, version } = parseWith(versionParams, request.params, "path");
    const { offset, limit } = parseWith(rowsQuery, request.query, "query");
    const resolved = await datasets.resolve(`${name}@${version}`);
    // Rows of an encrypted version also need datasets:decrypt; the read is audited under the key's name.
    if (resolved.encrypted) principal = await authorize(keys, request, "datasets:decrypt");
    const access = { actor: apiActor(principal), role: principal.role, purpose: "api rows" };
    const rows = await datasets.page(resolved, offset, limit, access);
    const next = offset + rows.length;
    return {
      object: "list",
      dataset: resolved.ref,
      offset,
      limit,
      total: resolved.rowCount,
      next_offset: next < resolved.rowCount ? next : null,
      data: rows,
    };
  });
}
