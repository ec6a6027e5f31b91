// /api/v1/runs: read training runs, and let external trainers (a PyTorch script on a GPU box,
// say) create a run, log metric batches and events, and set its final status.
// See examples/external-trainer.mjs.
import type { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { invalidRequest, notFound } from "../../errors.js";
import type { Platform } from "../../platform/open.js";
import { RUN_STATUSES, RunStore } from "../../train/runs.js";
import { apiActor, authorize } from "../auth.js";
import { parseWith } from "../validate.js";

const idParams = z.object({ id: z.string().min(1).max(40) });
const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  status: z.enum(RUN_STATUSES).optional(),
});
const metricsQuery = z.object({ split: z.enum(["train", "eval"]).optional(), name: z.string().optional() });
const metricsBody = z.object({ points: z.array(z.unknown()).min(1).max(10_000) });
const eventsBody = z.object({ events: z.array(z.unknown()).min(1).max(1000) });
const artifactParams = idParams.extend({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, "artifact names are letters, digits, '.', '_', '-' (≤128)"),
});
const statusBody = z.object({ status: z.enum(RUN_STATUSES), summary: z.record(z.string(), z.unknown()).default({}) });

export function runRoutes(app: FastifyInstance, platform: Platform): void {
  const runs = new RunStore(platform.store);
  const { keys } = platform;

  app.get("/api/v1/runs", async (request) => {
    await authorize(keys, request, "runs:read");
    const q = parseWith(listQuery, request.query, "query");
    return { object: "list", data: await runs.list(q) };
  });

  app.post("/api/v1/runs", async (request, reply) => {
    const principal = await authorize(keys, request, "runs:write");
    const body = (request.body ?? {}) as Record<string, unknown>;
    const run = await runs.create(
      { ...body, source: "external" } as Parameters<RunStore["create"]>[0],
      apiActor(principal),
    );
    reply.code(201);
    return run;
  });

  app.get("/api/v1/runs/:id", async (request) => {
    await authorize(keys, request, "runs:read");
    const { id } = parseWith(idParams, request.params, "path");
    const run = await runs.get(id);
    return { ...run, events: await runs.events(run.id) };
  });

  app.get("/api/v1/runs/:id/metrics", async (request) => {
    await authorize(keys, request, "runs:read");
    const { id } = parseWith(idParams, request.params, "path");
    const q = parseWith(metricsQuery, request.query, "query");
    const series = await runs.metrics(id, { split: q.split, names: q.name ? q.name.split(",") : undefined });
    // JSON has no NaN: non-finite values go out as null.
    return {
      object: "list",
      data: series.map((s) => ({ ...s, values: s.values.map((v) => (Number.isFinite(v) ? v : null)) })),
    };
  });

  app.post("/api/v1/runs/:id/metrics", async (request) => {
    await authorize(keys, request, "runs:write");
    const { id } = parseWith(idParams, request.params, "path");
    const { points } = parseWith(metricsBody, request.body, "body");
    return runs.logMetrics(id, points as Parameters<RunStore["logMetrics"]>[1]);
  });

  app.get("/api/v1/runs/:id/events", async (request) => {
    await authorize(keys, request, "runs:read");
    const { id } = parseWith(idParams, request.params, "path");
    return { object: "list", data: await runs.events(id) };
  });

  app.post("/api/v1/runs/:id/events", async (request, reply) => {
    await authorize(keys, request, "runs:write");
    const { id } = parseWith(idParams, request.params, "path");
    const { events } = parseWith(eventsBody, request.body, "body");
    reply.code(201);
    return { object: "list", data: await runs.addEvents(id, events as Parameters<RunStore["addEvents"]>[1]) };
  });

  app.put("/api/v1/runs/:id/status", async (request) => {
    await authorize(keys, request, "runs:write");
    const { id } = parseWith(idParams, request.params, "path");
    const { status, summary } = parseWith(statusBody, request.body, "body");
    return runs.setStatus(id, status, summary);
  });

  // Artifacts of a run (checkpoints, plots, logs): the body is stored content-addressed in the
  // artifact store and recorded as an "artifact" event; the latest upload of a name wins on GET.
  app.put("/api/v1/runs/:id/artifacts/:name", { bodyLimit: Number.MAX_SAFE_INTEGER }, async (request, reply) => {
    await authorize(keys, request, "runs:write");
    const { id, name } = parseWith(artifactParams, request.params, "path");
    const run = await runs.get(id);
    if (!(request.body && typeof (request.body as Readable).pipe === "function"))
      throw invalidRequest("Send the file as the body with Content-Type: application/octet-stream.");
    const info = await platform.artifacts.putStream(request.body as Readable);
    const [event] = await runs.addEvents(run.id, [
      {
        kind: "artifact",
        message: `artifact ${name} (${info.size} bytes)`,
        details: { name, hash: info.hash, size: info.size },
      },
    ]);
    reply.code(201);
    return { name, hash: info.hash, size: info.size, at: event?.at };
  });

  app.get("/api/v1/runs/:id/artifacts/:name", async (request, reply) => {
    await authorize(keys, request, "runs:read");
    const { id, name } = parseWith(artifactParams, request.params, "path");
    const found = (await runs.events(id)).filter((e) => e.kind === "artifact" && e.details.name === name).at(-1);
    const hash = found?.details.hash;
    if (typeof hash !== "string") throw notFound(`Run ${id} has no artifact '${name}'.`);
    reply.header("content-type", "application/octet-stream");
    return reply.send(await platform.artifacts.openRead(hash));
  });
}
