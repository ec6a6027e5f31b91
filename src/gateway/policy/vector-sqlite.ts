// Semantic cache on sqlite-vec: one vec0 virtual table per embedding dimension, partitioned by
// namespace (so a lookup only scans its own tenant/model/context), cosine distance, expiry as a
// metadata column filtered inside the KNN query. better-sqlite3 is synchronous; lookups on a cache
// of thousands of entries take well under a millisecond.
import Database from "better-sqlite3";
import * as sqliteVec from "sqlite-vec";
import { LlmopsError } from "../../errors.js";
import type { VectorMatch, VectorStore } from "./vector-store.js";

const SWEEP_MS = 60_000;

export class SqliteVectorStore implements VectorStore {
  readonly kind = "sqlite" as const;
  private readonly db: Database.Database;
  private readonly tables = new Set<number>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(path: string) {
    try {
      this.db = new Database(path);
      sqliteVec.load(this.db);
    } catch (error) {
      throw new LlmopsError(
        "config_invalid",
        `cannot open the semantic cache at ${path} with sqlite-vec (${(error as Error).message}); check cache.semantic.path`,
        { cause: error },
      );
    }
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("busy_timeout = 2000");
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  private table(dims: number): string {
    if (!Number.isInteger(dims) || dims < 1 || dims > 16_384) {
      throw new LlmopsError("invalid_request", `embedding dimension ${dims} is not supported (1–16384)`);
    }
    const name = `semantic_cache_${dims}`;
    if (!this.tables.has(dims)) {
      this.db.exec(
        `CREATE VIRTUAL TABLE IF NOT EXISTS ${name} USING vec0(` +
          `namespace text partition key, embedding float[${dims}] distance_metric=cosine, expires_at integer, +answer text)`,
      );
      this.tables.add(dims);
    }
    return name;
  }

  async search(namespace: string, vector: Float32Array, minSimilarity: number): Promise<VectorMatch | undefined> {
    const table = this.table(vector.length);
    const row = this.db
      .prepare(
        `SELECT distance, answer FROM ${table} WHERE embedding MATCH ? AND k = 1 AND namespace = ? AND expires_at > ?`,
      )
      .get(vector, namespace, BigInt(Date.now())) as { distance: number; answer: string } | undefined;
    if (row === undefined) return undefined;
    const similarity = 1 - row.distance;
    return similarity >= minSimilarity ? { answer: row.answer, similarity } : undefined;
  }

  async insert(namespace: string, vector: Float32Array, answer: string, ttlMs: number): Promise<void> {
    const table = this.table(vector.length);
    this.db
      .prepare(`INSERT INTO ${table}(namespace, embedding, expires_at, answer) VALUES (?, ?, ?, ?)`)
      .run(namespace, vector, BigInt(Date.now() + Math.round(ttlMs)), answer);
  }

  private sweep(): void {
    const now = Date.now();
    for (const dims of this.tables) {
      try {
        this.db.prepare(`DELETE FROM semantic_cache_${dims} WHERE expires_at <= ?`).run(BigInt(now));
      } catch {
        // A busy database skips one sweep; expired rows are filtered out of lookups anyway.
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.db.close();
  }
}
