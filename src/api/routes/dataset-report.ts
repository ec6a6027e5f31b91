// GET /api/v1/datasets/:name/versions/:version/report: the quality report of `llmops data report`
// (lengths, languages, duplicates, PII by type, outliers) for the dashboard. Versions are immutable,
// so a report is computed once per version and kept (a few KB each, bounded).
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { DatasetReport } from "../../data/report/profile.js";
import { LlmopsError } from "../../errors.js";
import type { Platform } from "../../platform/open.js";
import { authorize } from "../auth.js";
import { parseWith } from "../validate.js";

const params = z.object({ name: z.string().min(1), version: z.string().min(1) });
/** Above this the report is a job for the CLI, not an HTTP request. */
const MAX_ROWS = 200_000;
const CACHE_SIZE = 64;

export function datasetReportRoutes(app: FastifyInstance, platform: Platform): void {
  const cache = new Map<string, Promise<DatasetReport>>();

  app.get("/api/v1/datasets/:name/versions/:version/report", async (request) => {
    await authorize(platform.keys, request, "datasets:read");
    const { name, version } = parseWith(params, request.params, "path");
    const resolved = await platform.datasets.resolve(`${name}@${version}`);
    if (resolved.encrypted || resolved.erasedAt) {
      throw new LlmopsError(
        "invalid_request",
        `${resolved.ref} is ${resolved.erasedAt ? "erased" : "encrypted at rest"}; its report is not computed over HTTP. ` +
          `Run \`llmops data report ${resolved.ref}\` where the master key is available.`,
      );
    }
    if (resolved.rowCount > MAX_ROWS) {
      throw new LlmopsError(
        "invalid_request",
        `${resolved.ref} has ${resolved.rowCount} rows; reports over HTTP stop at ${MAX_ROWS}. ` +
          `Run \`llmops data report ${resolved.ref} --html report.html\` instead.`,
      );
    }
    let report = cache.get(resolved.id);
    if (!report) {
      const { profileVersion } = await import("../../data/report/profile.js");
      report = profileVersion(platform.datasets, resolved);
      report.catch(() => cache.delete(resolved.id));
      if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      cache.set(resolved.id, report);
    }
    return report;
  });
}
