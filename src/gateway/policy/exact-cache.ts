// Exact response cache: a request identical to an earlier one (same resolved model version, same
// normalised body, same key unless shared) gets the stored answer without an upstream call. Only
// deterministic requests are cached unless configured otherwise; clients opt out per request with
// `x-llmops-cache: no` or `cache-control: no-store`. Every answer says `x-llmops-cache: hit|miss`
// (`bypass` when the request was not eligible).
import type { CacheConfig } from "../../config/policy.js";
import { cacheOptOut, exactCacheKey, isDeterministic } from "./cache-key.js";
import type { PolicyMetrics } from "./metrics.js";
import type { ResponseStore } from "./response-store.js";
import { assemblingWatcher } from "./sse-replay.js";
import type { PolicyRequest, PolicyStage, StoredAnswer, StreamWatcher } from "./types.js";

export const CACHE_HEADER = "x-llmops-cache";
export const CACHE_SOURCE_HEADER = "x-llmops-cache-source";

type ExactConfig = CacheConfig["exact"];

/** Shared by both caches: is this request one a cache may answer or store? */
export function cacheEligible(request: PolicyRequest, deterministicOnly: boolean): boolean {
  if (cacheOptOut(request.headers)) return false;
  return !deterministicOnly || isDeterministic(request.route, request.body.json);
}

export class ExactCache implements PolicyStage {
  readonly name = "exact-cache";

  constructor(
    private readonly config: ExactConfig,
    readonly store: ResponseStore,
    private readonly metrics: PolicyMetrics,
    private readonly onError: (error: unknown) => void,
  ) {}

  async before(request: PolicyRequest): Promise<StoredAnswer | undefined> {
    if (!cacheEligible(request, this.config.deterministic_only)) {
      this.metrics.cache.inc({ cache: "exact", result: "bypass" });
      request.setHeader(CACHE_HEADER, "bypass");
      return undefined;
    }
    const key = exactCacheKey(request, this.config.shared_across_keys);
    let stored: string | undefined;
    try {
      stored = await this.store.get(key);
    } catch (error) {
      // A cache that cannot be read is a miss, never a failed request.
      this.onError(error);
    }
    if (stored !== undefined) {
      this.metrics.cache.inc({ cache: "exact", result: "hit" });
      request.setHeader(CACHE_HEADER, "hit");
      request.setHeader(CACHE_SOURCE_HEADER, "exact");
      return { body: stored, source: "exact" };
    }
    this.metrics.cache.inc({ cache: "exact", result: "miss" });
    request.setHeader(CACHE_HEADER, "miss");
    request.state.set(this.name, key);
    return undefined;
  }

  private save(request: PolicyRequest, text: string): void {
    const key = request.state.get(this.name) as string | undefined;
    if (key === undefined || Buffer.byteLength(text, "utf8") > this.config.max_entry_bytes) return;
    this.store.set(key, text, this.config.ttl_seconds * 1000).catch(this.onError);
  }

  afterJson(request: PolicyRequest, text: string): undefined {
    this.save(request, text);
    return undefined;
  }

  watchStream(request: PolicyRequest): StreamWatcher | undefined {
    if (!request.state.has(this.name)) return undefined;
    return assemblingWatcher((answer) => this.save(request, answer));
  }
}
