// Embeddings for the semantic cache, from a model the gateway itself can route to (a worker serving
// an embedding-capable GGUF, or any OpenAI-compatible upstream's /v1/embeddings). Vectors come back
// normalised to unit length, so cosine similarity is a dot product whatever the store.
import { LlmopsError } from "../../errors.js";
import type { ResolvedModel } from "../types.js";

export type Embed = (text: string) => Promise<Float32Array>;

const TIMEOUT_MS = 10_000;

export function createEmbedder(model: string, resolve: (model: string) => Promise<ResolvedModel>): Embed {
  let next = 0;
  return async (text) => {
    const resolved = await resolve(model);
    if (resolved.upstreams.length === 0) {
      throw new LlmopsError("unavailable", `the semantic cache's embedding model '${model}' has no reachable upstream`);
    }
    // Spread embedding calls over the model's upstreams; a failed call is a cache bypass, not a retry.
    const upstream = resolved.upstreams[next++ % resolved.upstreams.length]!;
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (upstream.apiKey !== undefined) headers.authorization = `Bearer ${upstream.apiKey}`;
    const response = await fetch(`${upstream.baseUrl.replace(/\/+$/, "")}/embeddings`, {
      method: "POST",
      headers,
      body: JSON.stringify({ model: upstream.model, input: text }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const body = (await response.json().catch(() => undefined)) as
      | { data?: Array<{ embedding?: unknown }> }
      | undefined;
    const vector = body?.data?.[0]?.embedding;
    if (!response.ok || !Array.isArray(vector) || vector.length === 0 || !vector.every((x) => typeof x === "number")) {
      throw new LlmopsError(
        "unavailable",
        `embedding model '${model}' (${upstream.id}) answered HTTP ${response.status} without an embedding`,
      );
    }
    return normalise(vector as number[]);
  };
}

export function normalise(vector: readonly number[]): Float32Array {
  let norm = 0;
  for (const x of vector) norm += x * x;
  norm = Math.sqrt(norm);
  const out = new Float32Array(vector.length);
  if (norm === 0 || !Number.isFinite(norm)) return out;
  for (let i = 0; i < vector.length; i++) out[i] = vector[i]! / norm;
  return out;
}
