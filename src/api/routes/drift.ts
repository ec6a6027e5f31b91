// GET /api/v1/drift: the latest drift check and the history before it (docs/monitoring.md), read
// from the metadata store so every gateway instance answers the same.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { DRIFT_FEATURES } from "../../monitor/drift/check.js";
import { driftConfig } from "../../monitor/drift/config.js";
import { driftHistory } from "../../monitor/drift/store.js";
import type { Platform } from "../../platform/open.js";
import { authorize } from "../auth.js";
import { parseWith } from "../validate.js";

const query = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50) }).strict();

export function driftRoutes(app: FastifyInstance, platform: Platform): void {
  app.get("/api/v1/drift", { config: { permission: "requests:read" } }, async (request) => {
    await authorize(platform.keys, request, "requests:read");
    const { limit } = parseWith(query, request.query ?? {}, "query");
    const history = await driftHistory(platform.store, limit);
    const config = driftConfig(platform.config.monitoring);
    return {
      enabled: config.enabled,
      features: DRIFT_FEATURES,
      config: {
        interval_ms: config.interval,
        reference_window_ms: config.reference_window,
        current_window_ms: config.current_window,
        min_samples: config.min_samples,
        small_sample_max: config.small_sample_max,
        thresholds: config.thresholds,
        embedding_model: config.embedding_model ?? null,
      },
      latest: history[0] ?? null,
      history,
    };
  });
}
