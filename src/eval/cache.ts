// The evaluation cache: identical calls (same provider identity, same request) are answered from
// the metadata store instead of the model, across runs and processes. Keys are sha256 of the
// provider id and the canonical request; a registered model's id names its resolved version, so a
// new version or a moved alias never reads another version's answers. Only successful answers are
// cached. Sampled calls (temperature > 0) carry their repeat number in the key, so K repeats stay K
// independent samples while a rerun of the same suite still hits the cache.
import { createHash } from "node:crypto";
import type { MetadataStore } from "../store/metadata/types.js";
import type { ContinuationScore, Provider, ProviderResponse } from "./types.js";

export function cacheKey(providerId: string, kind: string, request: unknown): string {
  return createHash("sha256")
    .update(JSON.stringify([providerId, kind, request]))
    .digest("hex");
}

export class EvalCache {
  hits = 0;
  misses = 0;

  constructor(private readonly store: MetadataStore) {}

  async get<T>(key: string): Promise<T | undefined> {
    const row = await this.store.db
      .selectFrom("eval_cache")
      .select("response_json")
      .where("key", "=", key)
      .executeTakeFirst();
    if (!row) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    return JSON.parse(row.response_json) as T;
  }

  async put(key: string, providerId: string, value: unknown): Promise<void> {
    await this.store.db
      .insertInto("eval_cache")
      .values({
        key,
        provider_id: providerId,
        response_json: JSON.stringify(value),
        created_at: new Date().toISOString(),
      })
      .onConflict((oc) => oc.column("key").doNothing())
      .execute();
  }

  /** Wraps a provider's generate (with a variant for repeats), scoreContinuation and embed. */
  async generate(
    provider: Provider,
    prompt: Parameters<Provider["generate"]>[0],
    options: Parameters<Provider["generate"]>[1],
    variant: number,
  ): Promise<ProviderResponse> {
    const { signal: _signal, ...request } = options;
    const key = cacheKey(provider.id, "generate", { prompt, request, variant });
    const hit = await this.get<ProviderResponse>(key);
    if (hit) return { ...hit, cached: true };
    const response = await provider.generate(prompt, options);
    await this.put(key, provider.id, response);
    return response;
  }

  wrap(provider: Provider): Provider {
    const cache = this;
    return {
      id: provider.id,
      label: provider.label,
      generate: (prompt, options) => cache.generate(provider, prompt, options, 0),
      async scoreContinuation(prompt, continuation, options) {
        const key = cacheKey(provider.id, "score", { prompt, continuation });
        const hit = await cache.get<ContinuationScore>(key);
        if (hit) return hit;
        const value = await provider.scoreContinuation(prompt, continuation, options);
        await cache.put(key, provider.id, value);
        return value;
      },
      async embed(texts, options) {
        const key = cacheKey(provider.id, "embed", texts);
        const hit = await cache.get<number[][]>(key);
        if (hit) return hit;
        const value = await provider.embed(texts, options);
        await cache.put(key, provider.id, value);
        return value;
      },
      close: () => provider.close(),
    };
  }
}
