// The control-plane API (/api/v1). Mounted by `llmops up` next to the gateway on one port, or on
// every `llmops gateway` when scaled out.
import type { FastifyInstance } from "fastify";
import type { Platform } from "../platform/open.js";
import { registerApiAudit } from "./auth.js";
import { auditRoutes } from "./routes/audit.js";
import { datasetReportRoutes } from "./routes/dataset-report.js";
import { datasetRoutes } from "./routes/datasets.js";
import { driftRoutes } from "./routes/drift.js";
import { evalRoutes } from "./routes/evals.js";
import { explainRoutes } from "./routes/explain.js";
import { keyRoutes } from "./routes/keys.js";
import { modelRoutes } from "./routes/models.js";
import { requestRoutes } from "./routes/requests.js";
import { rolloutRoutes } from "./routes/rollouts.js";
import { runRoutes } from "./routes/runs.js";
import { sessionRoutes } from "./routes/session.js";
import { statsRoutes } from "./routes/stats.js";

export function registerApi(app: FastifyInstance, platform: Platform): void {
  registerApiAudit(app, (entry) => platform.audit.record(entry));
  // Model uploads arrive as raw bytes; hand the stream to the route instead of buffering it.
  app.addContentTypeParser("application/octet-stream", (_request, payload, done) => done(null, payload));
  modelRoutes(app, platform);
  evalRoutes(app, platform);
  keyRoutes(app, platform);
  requestRoutes(app, platform);
  rolloutRoutes(app, platform);
  auditRoutes(app, platform);
  runRoutes(app, platform);
  datasetRoutes(app, platform);
  explainRoutes(app, platform);
  datasetReportRoutes(app, platform);
  statsRoutes(app, platform);
  driftRoutes(app, platform);
  sessionRoutes(app, platform);
  app.get("/api/v1/health", async () => ({
    status: "ok",
    database: platform.store.dialect,
    artifacts: platform.artifacts.kind,
  }));
}
