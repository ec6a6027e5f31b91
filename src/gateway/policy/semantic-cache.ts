// Semantic cache: a request whose last user message (or prompt) means nearly the same as an earlier
// one — cosine similarity of their embeddings ≥ `threshold` — gets the earlier answer, when
// everything else (model version, system prompt and history, sampling parameters, and the key unless
// shared) is identical. Embedding or store failures make the request a miss, never an error.
import type { CacheConfig } from "../../config/policy.js";
import { semanticParts } from "./cache-key.js";
import type { Embed } from "./embedder.js";
import { CACHE_HEADER, CACHE_SOURCE_HEADER, cacheEligible } from "./exact-cache.js";
import type { PolicyMetrics } from "./metrics.js";
import { assemblingWatcher } from "./sse-replay.js";
import type { PolicyRequest, PolicyStage, StoredAnswer, StreamWatcher } from "./types.js";
import type { VectorStore } from "./vector-store.js";

export type SemanticConfig = NonNullable<CacheConfig["semantic"]>;

export const SIMILARITY_HEADER = "x-llmops-cache-similarity";

interface Pending {
  namespace: string;
  vector: Float32Array;
}

export class SemanticCache implements PolicyStage {
  readonly name = "semantic-cache";

  constructor(
    private readonly config: SemanticConfig,
    readonly store: VectorStore,
    private readonly embed: Embed,
    private readonly metrics: PolicyMetrics,
    private readonly onError: (error: unknown) => void,
  ) {}

  async before(request: PolicyRequest): Promise<StoredAnswer | undefined> {
    const parts =
      request.route !== "/v1/embeddings" && cacheEligible(request, this.config.deterministic_only)
        ? semanticParts(request, this.config.shared_across_keys)
        : undefined;
    if (parts === undefined) {
      this.metrics.cache.inc({ cache: "semantic", result: "bypass" });
      return undefined;
    }
    try {
      const vector = await this.embed(parts.text);
      const match = await this.store.search(parts.namespace, vector, this.config.threshold);
      if (match !== undefined) {
        this.metrics.cache.inc({ cache: "semantic", result: "hit" });
        request.setHeader(CACHE_HEADER, "hit");
        request.setHeader(CACHE_SOURCE_HEADER, "semantic");
        request.setHeader(SIMILARITY_HEADER, match.similarity.toFixed(4));
        return { body: match.answer, source: "semantic" };
      }
      request.state.set(this.name, { namespace: parts.namespace, vector } satisfies Pending);
    } catch (error) {
      this.onError(error);
    }
    this.metrics.cache.inc({ cache: "semantic", result: "miss" });
    request.setHeader(CACHE_HEADER, "miss");
    return undefined;
  }

  private save(request: PolicyRequest, text: string): void {
    const pending = request.state.get(this.name) as Pending | undefined;
    if (pending === undefined) return;
    this.store
      .insert(pending.namespace, pending.vector, text, this.config.ttl_seconds * 1000)
      .catch((error: unknown) => this.onError(error));
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
