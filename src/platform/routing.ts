// Model resolution for the gateway: a requested model name becomes a list of upstreams.
//   1. names declared by an upstream in llmops.yaml (vLLM, llama.cpp server, a cloud API) go there;
//   2. otherwise the registry resolves `name`, `name@version` or `name@alias` (a bare name means the
//      `production` alias) and the live workers of that version are the upstreams. When the alias
//      is under a rollout (canary, shadow, blue/green) both versions' workers come back, with the
//      split and the SLO, for the gateway to apply.
// The `routing:` configuration adds a per-model strategy and fallback chain.
// Results are cached for a second so the hot path does not query the database on every request,
// while alias moves, rollouts and worker changes still take effect almost at once.
import type { UpstreamConfig } from "../config/index.js";
import { type RoutingConfig, routingSchema } from "../config/routing.js";
import { LlmopsError, unavailable } from "../errors.js";
import type {
  GatewayOptions,
  ModelCard,
  ResolvedModel,
  RolloutArm,
  RolloutEvidence,
  RolloutHooks,
  RolloutRoute,
  Upstream,
} from "../gateway/index.js";
import { DEFAULT_ALIAS, type ModelRegistry, parseModelRef } from "../registry/index.js";
import type { Rollout, RolloutStore } from "../registry/rollouts.js";
import type { MetadataStore } from "../store/metadata/types.js";
import { liveWorkers } from "./workers.js";

const CACHE_MS = 1_000;

export interface ModelRouterOptions {
  /** The `routing:` configuration (per-model strategies and fallbacks); default: none. */
  routing?: RoutingConfig | undefined;
  /** Rollout records; without them aliases always resolve to one version. */
  rollouts?: RolloutStore | undefined;
}

export class ModelRouter {
  private readonly cache = new Map<string, { value: Promise<ResolvedModel>; until: number }>();
  private readonly routing: RoutingConfig | undefined;
  private readonly rollouts: RolloutStore | undefined;

  constructor(
    private readonly store: MetadataStore,
    private readonly registry: ModelRegistry,
    private readonly upstreams: UpstreamConfig[],
    private readonly env: NodeJS.ProcessEnv = process.env,
    options: ModelRouterOptions = {},
  ) {
    this.routing = options.routing;
    this.rollouts = options.rollouts;
  }

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

  /** Drops cached resolutions (after a rollout changes, so this process sees it at once). */
  invalidate(): void {
    this.cache.clear();
  }

  private async resolveUncached(model: string): Promise<ResolvedModel> {
    const configured = this.fromConfig(model);
    if (configured) return this.withRouting(configured, model, model);
    const version = await this.registry.resolve(model);
    const workers = await this.workersOf(version.name, version.version);
    const ref = parseModelRef(model);
    const alias = ref.kind === "alias" ? ref.alias : ref.kind === "bare" ? DEFAULT_ALIAS : null;
    const rollout = alias !== null && this.rollouts ? await this.rollouts.active(version.name, alias) : null;
    if (workers.length === 0 && rollout === null && !this.hasFallbacks(model, version.name)) {
      throw unavailable(
        `Model ${version.ref} (from '${model}') is registered but no worker is serving it; ` +
          `start one with \`llmops worker --model ${version.ref}\`, or run \`llmops up\` to serve every production model.`,
      );
    }
    const resolved: ResolvedModel = { requested: model, resolved: version.ref, upstreams: workers };
    if (rollout !== null)
      resolved.rollout = await this.rolloutRoute(
        rollout,
        { resolved: version.ref, upstreams: workers },
        version.version,
      );
    return this.withRouting(resolved, model, version.name);
  }

  private async workersOf(name: string, version: number): Promise<Upstream[]> {
    const workers = await liveWorkers(this.store, { modelName: name, modelVersion: version });
    const ref = `${name}@${version}`;
    return workers.map((w) => ({ id: w.id, baseUrl: w.url, model: ref }));
  }

  private async rolloutRoute(rollout: Rollout, current: RolloutArm, currentVersion: number): Promise<RolloutRoute> {
    const arm = async (version: number): Promise<RolloutArm> =>
      version === currentVersion
        ? current
        : { resolved: `${rollout.model}@${version}`, upstreams: await this.workersOf(rollout.model, version) };
    // Canary and shadow: the alias's target is the stable arm. Blue/green: blue is the recorded
    // stable version, and the candidate takes all traffic once the alias was switched to it.
    const stableVersion = rollout.kind === "blue-green" ? rollout.stableVersion : currentVersion;
    const percent =
      rollout.kind === "blue-green" ? (currentVersion === rollout.candidateVersion ? 100 : 0) : rollout.percent;
    return {
      id: rollout.id,
      kind: rollout.kind,
      percent,
      stable: await arm(stableVersion),
      candidate: await arm(rollout.candidateVersion),
      slo: rollout.slo,
    };
  }

  private hasFallbacks(requested: string, name: string): boolean {
    const entry = this.routing?.models[requested] ?? this.routing?.models[name];
    return entry?.fallbacks.some((fallback) => fallback !== requested) ?? false;
  }

  /** Applies `routing.models[…]`: the requested name's entry first, then the model's name. */
  private withRouting(resolved: ResolvedModel, requested: string, name: string): ResolvedModel {
    const models = this.routing?.models;
    if (models === undefined) return resolved;
    const entry = models[requested] ?? models[name];
    if (entry === undefined) return resolved;
    if (entry.strategy !== undefined) resolved.strategy = entry.strategy;
    const fallbacks = entry.fallbacks.filter((fallback) => fallback !== requested);
    if (fallbacks.length > 0) resolved.fallbacks = fallbacks;
    return resolved;
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
          ...(upstream.weight === undefined ? {} : { weight: upstream.weight }),
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

/** createGateway options from the `routing:` configuration (defaults when it is absent). */
export function gatewayTrafficOptions(
  routing: RoutingConfig | undefined,
): Pick<GatewayOptions, "routing" | "upstreamTimeoutMs" | "connectTimeoutMs" | "traffic"> {
  const r = routing ?? routingSchema.parse({});
  return {
    routing: r.strategy,
    upstreamTimeoutMs: r.timeout_ms,
    connectTimeoutMs: r.connect_timeout_ms,
    traffic: {
      strategyOptions: { prefixChars: r.prefix_chars, loadFactor: r.load_factor },
      retries: { max: r.retries.max, baseMs: r.retries.base_ms, maxMs: r.retries.max_ms },
      maxTimeoutMs: r.max_timeout_ms ?? r.timeout_ms,
      circuit: {
        failureThreshold: r.health.failure_threshold,
        openMs: r.health.open_ms,
        maxOpenMs: r.health.max_open_ms,
      },
      activeChecks: { intervalMs: r.health.interval_ms, path: r.health.path, timeoutMs: r.health.timeout_ms },
      maxShadows: r.max_shadow_requests,
    },
  };
}

/** The gateway's rollout hooks backed by the registry's rollout records. */
export function rolloutHooks(
  rollouts: RolloutStore,
  recordShadow: RolloutHooks["recordShadow"],
  onRolledBack: () => void,
): RolloutHooks {
  return {
    async breached(rolloutId: string, evidence: RolloutEvidence) {
      await rollouts.autoRollback(rolloutId, evidence as unknown as Record<string, unknown>);
      onRolledBack();
    },
    recordShadow,
  };
}
