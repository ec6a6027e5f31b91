// Semantic cache on PostgreSQL with pgvector: one table, any dimension (vector without a fixed size,
// so no ANN index: lookups scan one namespace through its B-tree index, which is what a per-tenant,
// per-model, per-context cache needs). The `vector` extension must be available to the server
// (CREATE EXTENSION needs the package, e.g. postgresql-16-pgvector; Debian 12 does not ship one).
import pg from "pg";
import { LlmopsError } from "../../errors.js";
import type { VectorMatch, VectorStore } from "./vector-store.js";

const TABLE = "llmops_semantic_cache";

const literal = (vector: Float32Array) => `[${Array.from(vector).join(",")}]`;

/** What the store needs of a PostgreSQL client: a pg.Pool, or any client with the same query shape. */
export interface SqlClient {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
}

export class PostgresVectorStore implements VectorStore {
  readonly kind = "postgres" as const;
  private ready: Promise<void> | undefined;

  constructor(
    private readonly pool: SqlClient,
    private readonly end: () => Promise<void> = async () => {},
  ) {}

  static open(url: string): PostgresVectorStore {
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    return new PostgresVectorStore(pool, () => pool.end());
  }

  private init(): Promise<void> {
    this.ready ??= (async () => {
      try {
        await this.pool.query("CREATE EXTENSION IF NOT EXISTS vector");
      } catch (error) {
        throw new LlmopsError(
          "unavailable",
          `the semantic cache needs pgvector on PostgreSQL (CREATE EXTENSION vector failed: ${(error as Error).message}); ` +
            "install the server's pgvector package or use cache.semantic.store: sqlite",
          { cause: error },
        );
      }
      await this.pool.query(
        `CREATE TABLE IF NOT EXISTS ${TABLE} (id bigserial PRIMARY KEY, namespace text NOT NULL, dims integer NOT NULL, ` +
          "embedding vector NOT NULL, answer text NOT NULL, expires_at bigint NOT NULL)",
      );
      await this.pool.query(`CREATE INDEX IF NOT EXISTS ${TABLE}_ns_idx ON ${TABLE} (namespace, dims, expires_at)`);
    })();
    this.ready.catch(() => {
      this.ready = undefined; // try again on the next request (the extension may be installed later)
    });
    return this.ready;
  }

  async search(namespace: string, vector: Float32Array, minSimilarity: number): Promise<VectorMatch | undefined> {
    await this.init();
    const { rows } = await this.pool.query(
      `SELECT answer, embedding <=> $1::vector AS distance FROM ${TABLE} ` +
        "WHERE namespace = $2 AND dims = $3 AND expires_at > $4 ORDER BY embedding <=> $1::vector LIMIT 1",
      [literal(vector), namespace, vector.length, Date.now()],
    );
    const row = rows[0] as { answer: string; distance: number | string } | undefined;
    if (row === undefined) return undefined;
    const similarity = 1 - Number(row.distance);
    return similarity >= minSimilarity ? { answer: row.answer, similarity } : undefined;
  }

  async insert(namespace: string, vector: Float32Array, answer: string, ttlMs: number): Promise<void> {
    await this.init();
    await this.pool.query(
      `INSERT INTO ${TABLE} (namespace, dims, embedding, answer, expires_at) VALUES ($1, $2, $3::vector, $4, $5)`,
      [namespace, vector.length, literal(vector), answer, Date.now() + Math.round(ttlMs)],
    );
    // Expired rows go in small batches on the write path: no timer, and no unbounded table.
    if (Math.random() < 0.05) {
      await this.pool.query(`DELETE FROM ${TABLE} WHERE expires_at <= $1`, [Date.now()]).catch(() => {});
    }
  }

  async close(): Promise<void> {
    await this.end();
  }
}
