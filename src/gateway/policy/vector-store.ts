// Where the semantic cache keeps (embedding → answer) pairs and finds the nearest one. One file per
// engine: vector-sqlite.ts (sqlite-vec, a local file) and vector-postgres.ts (pgvector).

export interface VectorMatch {
  answer: string;
  /** Cosine similarity of the stored prompt to the new one, from −1 to 1. */
  similarity: number;
}

export interface VectorStore {
  readonly kind: "sqlite" | "postgres";
  /** The nearest unexpired entry of `namespace` with similarity ≥ minSimilarity, if any. */
  search(namespace: string, vector: Float32Array, minSimilarity: number): Promise<VectorMatch | undefined>;
  insert(namespace: string, vector: Float32Array, answer: string, ttlMs: number): Promise<void>;
  close(): Promise<void>;
}
