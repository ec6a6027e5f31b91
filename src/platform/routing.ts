// Model resolution for the gateway: a requested model name becomes a list of upstreams.
//   1. names declared by an upstream in llmops.yaml (vLLM, llama.cpp server, a cloud API) go there;
//   2. otherwise the registry resolves `name`, `name@version` or `name@alias` (a bare name means the
//      `production` alias) and the live workers of that version are the upstreams.
// Results are cached for a second so the hot path does not query the database on every request,
// while alias moves and worker changes still take effect almost at once.
import type { UpstreamConfig } from "../config/index.js";
import { LlmopsError, unavailable } from "../errors.js";
import type { ModelCard, ResolvedModel, Upstream } from "../gateway/index.js";
import type { ModelRegistry } from "../registry/index.js";
import type { MetadataStore } from "../store/metadata/types.js";
import { liveWorkers } from "./workers.js";

const CACHE_MS = 1_000;

export class ModelRouter {
  private readonly cache = new Map<string, { value: Promise<ResolvedModel>; until: number }>();

  constructor(
    private readonly store: MetadataStore,
    private readonly registry: ModelRegistry,
    private readonly upstreams: UpstreamConfig[],
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  resolve(model: string): Promise<ResolvedModel> {
    const now = Date.now();
    const hit = this.cache.get(model);
    if (hit && hit.until > now) return hit.value;
    const value = this.resolveUncached(model);
    if (this.cache.size > 1000) this.cache.clear();
    this.cache.set(model, { value, until: now + CACHE_MS });
    value.catch(() => this.cache.delete(model)); // failures are not cached
    return value;
  }

  private async resolveUncached(model: string): Promise<ResolvedModel> {
    const configured = this.fromConfig(model);
    if (configured) return configured;
    const version = await this.registry.resolve(model);
    const workers = await liveWorkers(this.store, { modelName: version.name, modelVersion: version.version });
    if (workers.length === 0) {
      throw unavailable(
        `Model ${version.ref} (from '${model}') is registered but no worker is serving it; ` +
          `start one with \`llmops worker --model ${version.ref}\`, or run \`llmops up\` to serve every production model.`,
      );
    }
    return {
      requested: model,
      resolved: version.ref,
      upstreams: workers.map((w) => ({ id: w.id, baseUrl: w.url, model: version.ref })),
    };
  }

  private fromConfig(model: string): ResolvedModel | null {
    const upstreams: Upstream[] = [];
    for (const upstream of this.upstreams) {
      for (const entry of upstream.models) {
        const name = typeof entry === "string" ? entry : entry.name;
        if (name !== model) continue;
        const apiKey = upstream.api_key_env ? this.env[upstream.api_key_env] : undefined;
        if (upstream.api_key_env && !apiKey) {
          throw new LlmopsError(
            "unavailable",
            `Upstream '${upstream.name}' needs an API key in $${upstream.api_key_env}, which is not set.`,
          );
        }
        upstreams.push({
          id: upstream.name,
          baseUrl: upstream.url.replace(/\/+$/, ""),
          model: typeof entry === "string" ? entry : entry.as,
          ...(apiKey ? { apiKey } : {}),
        });
      }
    }
    if (upstreams.length === 0) return null;
    return { requested: model, resolved: `upstream:${upstreams[0]!.id}/${upstreams[0]!.model}`, upstreams };
  }

  /** What `/v1/models` lists: production models by bare name, served versions as name@version, configured upstream models. */
  async list(): Promise<ModelCard[]> {
    const listed = new Map<string, ModelCard>();
    const workers = await liveWorkers(this.store);
    for (const model of await this.registry.list()) {
      const created = Math.floor(Date.parse(model.createdAt) / 1000);
      if (model.aliases.production !== undefined)
        listed.set(model.name, { id: model.name, created, owned_by: "llmops" });
      for (const [alias, version] of Object.entries(model.aliases)) {
        if (workers.some((w) => w.model_name === model.name && w.model_version === version)) {
          listed.set(`${model.name}@${alias}`, { id: `${model.name}@${alias}`, created, owned_by: "llmops" });
        }
      }
      for (const w of workers.filter((w) => w.model_name === model.name && w.model_version !== null)) {
        const id = `${model.name}@${w.model_version}`;
        listed.set(id, { id, created, owned_by: "llmops" });
      }
    }
    for (const upstream of this.upstreams) {
      for (const entry of upstream.models) {
        const id = typeof entry === "string" ? entry : entry.name;
        listed.set(id, { id, created: 0, owned_by: upstream.name });
      }
    }
    return [...listed.values()];
  }
}
