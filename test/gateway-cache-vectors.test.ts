// The semantic cache's vector stores against one contract: sqlite-vec in better-sqlite3, and the
// pgvector store's SQL on real PostgreSQL with the real pgvector extension (PGlite: PostgreSQL compiled
// to WebAssembly, with pgvector bundled — Debian 12 packages no pgvector for its PostgreSQL server).
import { PGlite } from "@electric-sql/pglite";
import { vector } from "@electric-sql/pglite/vector";
import { afterAll, describe, expect, it } from "vitest";
import { normalise } from "../src/gateway/policy/embedder.js";
import { PostgresVectorStore } from "../src/gateway/policy/vector-postgres.js";
import { SqliteVectorStore } from "../src/gateway/policy/vector-sqlite.js";
import type { VectorStore } from "../src/gateway/policy/vector-store.js";

const v = (...xs: number[]) => normalise(xs);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const stores: Array<[string, () => Promise<VectorStore>]> = [
  ["sqlite-vec", async () => new SqliteVectorStore(":memory:")],
  [
    "pgvector (PGlite)",
    async () => {
      const db = await PGlite.create({ extensions: { vector } });
      return new PostgresVectorStore({ query: (sql, params) => db.query(sql, params) }, () => db.close());
    },
  ],
];

describe.each(stores)("vector store: %s", (_name, open) => {
  // One store per engine (PGlite takes seconds to start); each test uses its own namespaces.
  let shared: Promise<VectorStore> | undefined;
  const store = () => {
    shared ??= open();
    return shared;
  };
  afterAll(async () => {
    if (shared !== undefined) await (await shared).close();
  });

  it("finds the nearest entry of a namespace at or above the threshold", async () => {
    const s = await store();
    await s.insert("ns-a", v(1, 0, 0), "east", 60_000);
    await s.insert("ns-a", v(0, 1, 0), "north", 60_000);
    await s.insert("ns-b", v(0.99, 0.05, 0), "other tenant", 60_000);
    const near = await s.search("ns-a", v(0.98, 0.1, 0), 0.9);
    expect(near?.answer).toBe("east");
    expect(near?.similarity).toBeGreaterThan(0.99);
    expect(near?.similarity).toBeLessThanOrEqual(1.0001);
    expect((await s.search("ns-a", v(0.1, 0.98, 0), 0.9))?.answer).toBe("north");
    // Between the two: below the threshold for both.
    expect(await s.search("ns-a", v(1, 1, 0), 0.9)).toBeUndefined();
    expect(await s.search("ns-c", v(1, 0, 0), 0.5)).toBeUndefined();
    expect((await s.search("ns-b", v(1, 0, 0), 0.9))?.answer).toBe("other tenant");
  });

  it("forgets expired entries and keeps embeddings of different sizes apart", async () => {
    const s = await store();
    await s.insert("ns", v(1, 0, 0), "short-lived", 1);
    await sleep(10);
    expect(await s.search("ns", v(1, 0, 0), 0.5)).toBeUndefined();
    await s.insert("ns", v(1, 0, 0, 0), "four", 60_000);
    await s.insert("ns", v(1, 0, 0), "three", 60_000);
    expect((await s.search("ns", v(1, 0, 0, 0), 0.5))?.answer).toBe("four");
    expect((await s.search("ns", v(1, 0, 0), 0.5))?.answer).toBe("three");
  });
});
