// insertMany on both dialects: every row and value arrives (missing values as NULL), batches larger
// than one statement's parameter limit are split, a failing row fails the whole call inside its
// transaction, and the same statement text serves repeated batches.
import { describe, expect, it } from "vitest";
import { databaseFactories, freshStoreFor } from "../../../test/helpers/databases.js";
import type { NewRequest } from "../schema.js";
import { insertMany } from "./insert-many.js";

const row = (i: number, extra: Partial<NewRequest> = {}): NewRequest => ({
  id: `01JINSERT${String(i).padStart(17, "0")}`,
  at: new Date(Date.UTC(2026, 10, 1, 0, 0, i % 60)).toISOString(),
  key_id: i % 2 === 0 ? "key-a" : null,
  route: "/v1/chat/completions",
  model: "tiny",
  model_version: "tiny@1",
  upstream: null,
  status: i % 7 === 0 ? 500 : 200,
  error_code: null,
  prompt_tokens: i,
  completion_tokens: null,
  latency_ms: i / 8,
  ttft_ms: null,
  stream: i % 2,
  ...extra,
});

describe.each(databaseFactories())("insertMany on %s", (_dialect, createDatabase) => {
  const fresh = freshStoreFor(createDatabase);

  it("writes every row and value, splitting batches above the parameter limit", async () => {
    const { store } = fresh;
    await insertMany(store.db, "requests", []);
    // 14 columns × 2,500 rows = 35,000 parameters: more than one statement may carry.
    const rows = Array.from({ length: 2500 }, (_, i) => row(i));
    await insertMany(store.db, "requests", rows);
    await insertMany(store.db, "requests", [row(2500), row(2501)]); // the cached 2-row text, then reused
    await insertMany(store.db, "requests", [row(2502), row(2503)]);
    const stored = await store.db.selectFrom("requests").selectAll().orderBy("id").execute();
    expect(stored).toHaveLength(2504);
    const sample = stored[1234]!;
    expect({ ...sample, latency_ms: Number(sample.latency_ms), status: Number(sample.status) }).toEqual({
      ...row(1234),
      prompt_tokens: 1234,
    });
    expect(stored.filter((r) => r.key_id === null)).toHaveLength(1252);
  });

  it("stores an undefined value as NULL", async () => {
    const { store } = fresh;
    const partial = { ...row(9000), ttft_ms: undefined } as unknown as NewRequest;
    await insertMany(store.db, "requests", [partial]);
    const stored = await store.db.selectFrom("requests").select("ttft_ms").where("id", "=", partial.id).execute();
    expect(stored).toEqual([{ ttft_ms: null }]);
  });

  it("fails as a whole inside a transaction when one row violates a constraint", async () => {
    const { store } = fresh;
    const clash = [row(9100), row(9101), row(1)]; // row 1 already exists
    await expect(store.db.transaction().execute((trx) => insertMany(trx, "requests", clash))).rejects.toThrow(
      /unique|UNIQUE|duplicate/,
    );
    const ids = await store.db.selectFrom("requests").select("id").where("id", "=", row(9100).id).execute();
    expect(ids).toEqual([]);
  });
});
