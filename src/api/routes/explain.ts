// POST /api/v1/explain: an explanation of a model's continuation (see docs/explainability.md).
// The model is reached the cheapest way available: an upstream declared in the configuration
// (any OpenAI-compatible server with echo + logprobs), else a live llmops worker of the resolved
// version (batched /v1/score), else the version's GGUF loaded here with llama.cpp. Gradient
// methods always load the GGUF here (they need the weights). Explanations are heavy, so at most
// one runs at a time in this process and a few wait; a client that disconnects cancels its own.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { LlmopsError } from "../../errors.js";
import type { ModelAccess } from "../../explain/access.js";
import type { Platform } from "../../platform/open.js";
import { authorize } from "../auth.js";
import { parseWith } from "../validate.js";

export const EXPLAIN_DEFAULT_BUDGET = 2000;
export const EXPLAIN_MAX_BUDGET = 20_000;
const MAX_WAITING = 4;

const bodySchema = z.object({
  model: z.string().min(1).max(200),
  prompt: z.string().min(1, "must not be empty").max(20_000),
  target: z.string().min(1, "must not be empty").max(20_000).optional(),
  method: z.string().min(1).default("occlusion"),
  group: z.enum(["token", "word", "sentence"]).default("word"),
  samples: z.number().int().min(1).max(100_000).optional(),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(0),
  budget: z.number().int().min(1).max(EXPLAIN_MAX_BUDGET).default(EXPLAIN_DEFAULT_BUDGET),
  max_tokens: z.number().int().min(1).max(256).default(16),
  curve_steps: z.number().int().min(1).max(200).default(20),
  random_orders: z.number().int().min(0).max(10).default(2),
  format: z.enum(["json", "html"]).default("json"),
});

/** One explanation at a time per process; up to MAX_WAITING queue behind it. */
class OneAtATime {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.waiting >= MAX_WAITING)
      throw new LlmopsError("rate_limited", "Too many explanations are running; retry in a minute.", { status: 429 });
    this.waiting++;
    const start = this.tail.catch(() => undefined);
    const result = start.then(() => {
      this.waiting--;
      return fn();
    });
    this.tail = result.catch(() => undefined);
    return result;
  }
}

export function explainRoutes(app: FastifyInstance, platform: Platform): void {
  const queue = new OneAtATime();
  const localModels = new LocalModelCache();
  app.addHook("onClose", async () => {
    await localModels.drop();
  });

  app.post("/api/v1/explain", async (request, reply) => {
    await authorize(platform.keys, request, "explain");
    const body = parseWith(bodySchema, request.body, "body");
    const explainModule = await import("../../explain/index.js");
    explainModule.getAttributor(body.method); // a bad method fails before any model is touched
    const controller = new AbortController();
    reply.raw.on("close", () => {
      if (!reply.raw.writableFinished) controller.abort();
    });
    const result = await queue.run(async () => {
      const access = await openAccess(
        platform,
        localModels,
        body.model,
        explainModule.getAttributor(body.method).kind === "gradient",
      );
      try {
        return await explainModule.explain({
          scorer: access.scorer,
          model: access.name,
          prompt: body.prompt,
          ...(body.target !== undefined ? { target: body.target } : {}),
          method: body.method,
          group: body.group,
          ...(body.samples !== undefined ? { samples: body.samples } : {}),
          seed: body.seed,
          budget: body.budget,
          maxTokens: body.max_tokens,
          curveSteps: body.curve_steps,
          randomOrders: body.random_orders,
          ...(access.gradients ? { gradients: access.gradients } : {}),
          signal: controller.signal,
        });
      } finally {
        await access.close();
      }
    });
    if (body.format === "html") return reply.type("text/html; charset=utf-8").send(explainModule.renderHtml(result));
    return result;
  });
}

async function openAccess(
  platform: Platform,
  localModels: LocalModelCache,
  model: string,
  needWeights: boolean,
): Promise<ModelAccess & { name: string }> {
  const { openEndpoint, openLocalModel } = await import("../../explain/access.js");
  for (const upstream of platform.config.upstreams) {
    for (const entry of upstream.models) {
      const name = typeof entry === "string" ? entry : entry.name;
      if (name !== model) continue;
      if (needWeights)
        throw new LlmopsError(
          "invalid_request",
          `'${model}' is served by the upstream '${upstream.name}', whose weights are not here; use occlusion, lime or kernelshap.`,
          { param: "method" },
        );
      const apiKey = upstream.api_key_env ? process.env[upstream.api_key_env] : undefined;
      const access = await openEndpoint({
        baseUrl: upstream.url,
        model: typeof entry === "string" ? entry : entry.as,
        ...(apiKey ? { apiKey } : {}),
      });
      return { ...access, name: model };
    }
  }
  const version = await platform.registry.resolve(model);
  if (!needWeights) {
    const { liveWorkers } = await import("../../platform/workers.js");
    const workers = await liveWorkers(platform.store, { modelName: version.name, modelVersion: version.version });
    const worker = workers[Math.floor(Math.random() * workers.length)];
    if (worker) {
      const access = await openEndpoint({ baseUrl: worker.url, model: version.ref, worker: true });
      return { ...access, name: version.ref };
    }
  }
  const file = await platform.artifacts.localPath(version.artifactHash);
  return {
    ...(await localModels.get(file, version.ref, () => openLocalModel(file, version.ref, { threads: 1 }))),
    name: version.ref,
  };
}

/**
 * The last model loaded here stays loaded for a minute after its explanation, so a series of
 * explanations (a dashboard, a notebook) does not reload it each time; explanations run one at a
 * time, so one entry is enough.
 */
class LocalModelCache {
  private entry: { key: string; access: Promise<ModelAccess>; timer?: NodeJS.Timeout } | undefined;

  async get(file: string, name: string, open: () => Promise<ModelAccess>): Promise<ModelAccess> {
    const key = `${file}\u0000${name}`;
    if (this.entry?.key !== key) {
      await this.drop();
      this.entry = { key, access: open() };
    }
    const entry = this.entry as { key: string; access: Promise<ModelAccess>; timer?: NodeJS.Timeout };
    clearTimeout(entry.timer);
    const access = await entry.access.catch((error: unknown) => {
      if (this.entry === entry) this.entry = undefined;
      throw error;
    });
    return {
      ...access,
      close: async () => {
        // Released, not closed: closed after a minute unless another explanation takes it.
        entry.timer = setTimeout(() => {
          if (this.entry === entry) void this.drop();
        }, 60_000);
        entry.timer.unref();
      },
    };
  }

  async drop(): Promise<void> {
    const entry = this.entry;
    this.entry = undefined;
    if (!entry) return;
    clearTimeout(entry.timer);
    await (await entry.access.catch(() => undefined))?.close();
  }
}
