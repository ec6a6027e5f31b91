// /api/v1/evals: stored evaluation runs (list, one run with its summary, per-test results, rendered
// reports) and starting a run in the control plane. Holdout tests never appear in per-test results
// or reports here — only in the summary's aggregates — whatever the caller's role.
//
// Runs started over HTTP may only use registered models (our workers) and no JavaScript
// assertions: a suite from the network must not run code on this server or make it call arbitrary
// URLs. Run such suites with the CLI, where the suite is your own file.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { invalidRequest } from "../../errors.js";
import { EvalCache } from "../../eval/cache.js";
import { buildReport, renderReport } from "../../eval/report/index.js";
import { runEval } from "../../eval/run.js";
import { EvalStore } from "../../eval/store.js";
import type { Provider, ProviderSpec, Suite } from "../../eval/types.js";
import type { Platform } from "../../platform/open.js";
import { liveWorkers } from "../../platform/workers.js";
import { apiActor, authorize } from "../auth.js";
import { parseWith } from "../validate.js";

const idParams = z.object({ id: z.string().min(1).max(40) });
const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  model: z.string().min(1).optional(),
  status: z.enum(["running", "completed", "failed"]).optional(),
});
const resultsQuery = z.object({
  role: z.enum(["candidate", "baseline"]).optional(),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const reportQuery = z.object({ format: z.enum(["json", "md", "html", "junit", "table"]).default("json") });
const startBody = z.object({
  suite: z.record(z.string(), z.unknown()),
  name: z.string().min(1).max(128).default("api"),
  model: z.string().min(1),
  baseline: z.string().min(1).optional(),
  gate: z.boolean().default(false),
  repeat: z.number().int().min(1).max(100).optional(),
  concurrency: z.number().int().min(1).max(16).default(2),
});

const CONTENT_TYPES: Record<string, string> = {
  json: "application/json; charset=utf-8",
  md: "text/markdown; charset=utf-8",
  html: "text/html; charset=utf-8",
  junit: "application/xml; charset=utf-8",
  table: "text/plain; charset=utf-8",
};

function isRegisteredRef(spec: ProviderSpec): boolean {
  const id = typeof spec === "string" ? spec : spec.id;
  return !id.startsWith("openai:") && (typeof spec === "string" || !spec.config?.baseUrl);
}

function checkRemoteSuite(suite: Suite): void {
  for (const test of [...suite.tests, ...(suite.defaultTest ? [suite.defaultTest] : [])]) {
    for (const a of test.assert ?? []) {
      if (a.type === "javascript" || a.type === "not-javascript") {
        throw invalidRequest(
          "Suites started over the API cannot use javascript assertions; run them with `llmops eval`.",
        );
      }
      if (a.provider !== undefined && !isRegisteredRef(a.provider as ProviderSpec)) {
        throw invalidRequest("Suites started over the API can only use registered models as judges.");
      }
    }
  }
  for (const spec of [...(suite.providers ?? []), suite.judge, suite.embedder]) {
    if (spec !== undefined && !isRegisteredRef(spec)) {
      throw invalidRequest("Suites started over the API can only use registered models (NAME@VERSION or NAME@ALIAS).");
    }
  }
}

export function evalRoutes(app: FastifyInstance, platform: Platform): void {
  const { keys } = platform;
  const evals = new EvalStore(platform.store);

  app.get("/api/v1/evals", async (request) => {
    await authorize(keys, request, "evals:read");
    const q = parseWith(listQuery, request.query, "query");
    return { object: "list", data: await evals.list(q) };
  });

  app.get("/api/v1/evals/:id", async (request) => {
    await authorize(keys, request, "evals:read");
    const { id } = parseWith(idParams, request.params, "path");
    const run = await evals.get(id);
    const report = buildReport(run, await evals.results(run.id));
    return { ...run, holdoutCases: report.holdoutCases, tests: report.tests };
  });

  app.get("/api/v1/evals/:id/results", async (request) => {
    await authorize(keys, request, "evals:read");
    const { id } = parseWith(idParams, request.params, "path");
    const q = parseWith(resultsQuery, request.query, "query");
    const run = await evals.get(id);
    const all = (await evals.results(run.id)).filter((r) => !r.holdout && (!q.role || r.role === q.role));
    return { object: "list", total: all.length, data: all.slice(q.offset, q.offset + q.limit) };
  });

  app.get("/api/v1/evals/:id/report", async (request, reply) => {
    await authorize(keys, request, "evals:read");
    const { id } = parseWith(idParams, request.params, "path");
    const { format } = parseWith(reportQuery, request.query, "query");
    const run = await evals.get(id);
    const text = renderReport(buildReport(run, await evals.results(run.id)), format);
    return reply.type(CONTENT_TYPES[format] as string).send(text);
  });

  // Starts a run in this process and answers at once with its id; poll GET /api/v1/evals/:id.
  app.post("/api/v1/evals", async (request, reply) => {
    const principal = await authorize(keys, request, "evals:write");
    const body = parseWith(startBody, request.body);
    // Loaded on the first run: the assertion library and model providers (node-llama-cpp) would
    // otherwise add ~25 MB to the heap of every gateway, where they lengthen each major GC.
    const [{ prepareSuite }, { createProvider }] = await Promise.all([
      import("../../eval/suite.js"),
      import("../../eval/providers/index.js"),
    ]);
    const suite = prepareSuite(body.suite as Suite, { name: body.name, baseDir: platform.config.home });
    checkRemoteSuite(suite.suite);
    for (const ref of [body.model, body.baseline]) {
      if (ref !== undefined && !isRegisteredRef(ref))
        throw invalidRequest("model and baseline must be registered models (NAME@VERSION or NAME@ALIAS).");
    }
    const factory = {
      registered: {
        registry: platform.registry,
        artifacts: platform.artifacts,
        findWorkers: async (name: string, version: number) =>
          (await liveWorkers(platform.store, { modelName: name, modelVersion: version })).map((w) => w.url),
      },
      defaults: suite.suite.options,
      connections: body.concurrency,
    };
    const opened: Provider[] = [];
    const open = async (spec: ProviderSpec) => {
      const p = await createProvider(spec, factory);
      opened.push(p);
      return p;
    };
    const candidate = await open(body.model);
    const baseline = body.baseline
      ? await open(body.baseline).catch(async (error: unknown) => {
          await candidate.close();
          throw error;
        })
      : null;
    const started = new Promise<string>((resolve, reject) => {
      runEval({
        suite,
        candidate: { ref: body.model, provider: candidate },
        baseline: baseline && body.baseline ? { ref: body.baseline, provider: baseline } : null,
        evals,
        cache: new EvalCache(platform.store),
        concurrency: body.concurrency,
        repeat: body.repeat,
        gate: body.gate,
        actor: apiActor(principal),
        resume: "never",
        getProvider: open,
        onStart: (run) => resolve(run.id),
      })
        .catch((error: unknown) => {
          request.log.warn({ err: error }, "eval run failed");
          reject(error);
        })
        .finally(() => {
          for (const p of opened) void p.close().catch(() => undefined);
        });
    });
    const id = await started;
    reply.code(202);
    return { id, status: "running", url: `/api/v1/evals/${id}` };
  });
}
