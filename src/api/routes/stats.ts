// /api/v1/stats: read-only views of the request log for the dashboard (Overview and Traces):
// totals and percentiles over a window, the log filtered and paged on the server, one request.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { readRequestBody } from "../../monitor/bodies.js";
import { listTraces, requestOverview, traceDetail, traceFacets } from "../../monitor/stats.js";
import type { Platform } from "../../platform/open.js";
import { authorize } from "../auth.js";
import { parseWith } from "../validate.js";

export function statsRoutes(app: FastifyInstance, platform: Platform): void {
  const { keys, store } = platform;

  // Every open dashboard polls the overview; answers younger than 2 s are shared between them.
  const recent = new Map<string, { at: number; value: ReturnType<typeof requestOverview> }>();
  app.get("/api/v1/stats/overview", async (request) => {
    await authorize(keys, request, "requests:read");
    const key = JSON.stringify(request.query ?? {});
    const hit = recent.get(key);
    if (hit && Date.now() - hit.at < 2000) return hit.value;
    const value = requestOverview(store, request.query);
    if (recent.size > 32) recent.clear();
    recent.set(key, { at: Date.now(), value });
    value.catch(() => recent.delete(key));
    return value;
  });

  app.get("/api/v1/stats/requests", async (request) => {
    await authorize(keys, request, "requests:read");
    const started = performance.now();
    const page = await listTraces(store, request.query);
    return { object: "list", ...page, took_ms: Math.round((performance.now() - started) * 10) / 10 };
  });

  app.get("/api/v1/stats/requests/facets", async (request) => {
    await authorize(keys, request, "requests:read");
    return traceFacets(store);
  });

  app.get("/api/v1/stats/requests/:id", async (request) => {
    await authorize(keys, request, "requests:read");
    const { id } = parseWith(z.object({ id: z.string().min(1).max(64) }), request.params, "path");
    const detail = await traceDetail(store, id);
    // The request log is metadata only; the text exists only when `capture:` was on (and sampled it).
    const body = await readRequestBody(store, id);
    return {
      ...detail,
      body,
      body_note:
        body === null
          ? "No prompt or response is stored for this request: capture is off (set capture.enabled in llmops.yaml), the request was not sampled, or its capture expired."
          : null,
    };
  });
}
