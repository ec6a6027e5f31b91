// The SQLite connection's statement cache (withStatementCache): a statement is prepared once per SQL
// text, stays correct after a schema change, and the cache stays bounded.
import BetterSqlite3 from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { STATEMENT_CACHE_SIZE, withStatementCache } from "./sqlite.js";

describe("SQLite statement cache", () => {
  let db: BetterSqlite3.Database;
  afterEach(() => db?.close());

  it("prepares each SQL text once and reuses the statement", () => {
    db = new BetterSqlite3(":memory:");
    db.exec("create table t (a integer)");
    const cached = withStatementCache(db);
    const insert = cached.prepare("insert into t (a) values (?)");
    expect(cached.prepare("insert into t (a) values (?)")).toBe(insert);
    expect(cached.prepare("select a from t")).not.toBe(insert);
    insert.run([1]);
    insert.run([2]);
    expect(cached.prepare("select a from t").all([])).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it("answers with the current schema after a change", () => {
    db = new BetterSqlite3(":memory:");
    db.exec("create table t (a integer); insert into t values (1)");
    const cached = withStatementCache(db);
    expect(cached.prepare("select * from t").all([])).toEqual([{ a: 1 }]);
    db.exec("alter table t add column b text default 'x'");
    expect(cached.prepare("select * from t").all([])).toEqual([{ a: 1, b: "x" }]);
  });

  it(`keeps at most ${STATEMENT_CACHE_SIZE} statements, dropping the first prepared`, () => {
    db = new BetterSqlite3(":memory:");
    const cached = withStatementCache(db);
    const first = cached.prepare("select 0");
    for (let i = 1; i < STATEMENT_CACHE_SIZE; i++) cached.prepare(`select ${i}`);
    expect(cached.prepare("select 0")).toBe(first); // still held: exactly the limit
    const last = cached.prepare(`select ${STATEMENT_CACHE_SIZE}`); // one more: "select 0" goes
    expect(cached.prepare(`select ${STATEMENT_CACHE_SIZE}`)).toBe(last);
    expect(cached.prepare("select 0")).not.toBe(first);
  });
});
