// SQLite engine (embedded default) through better-sqlite3. Two changes to Kysely's stock
// dialect make it safe for several processes on one file (gateway, workers, CLI):
// - transactions start with BEGIN IMMEDIATE, taking the write lock up front. A plain BEGIN
//   reads first and then fails with SQLITE_BUSY (without waiting) when another process wrote
//   meanwhile; read-modify-write code such as "next version = max + 1" needs the lock first.
// - migrations run inside such a transaction (SQLite's DDL is transactional; Kysely's stock
//   adapter runs them outside any transaction and with no lock), so two processes migrating
//   at once serialise, and a failed migration leaves nothing behind.
import { mkdirSync } from "node:fs";
import path from "node:path";
import BetterSqlite3 from "better-sqlite3";
import {
  CompiledQuery,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  Kysely,
  SqliteAdapter,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  type SqliteStatement,
} from "kysely";
import { LlmopsError } from "../../errors.js";
import type { Database } from "../schema.js";

/** How long a statement waits for another process's write lock before failing with SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class LlmopsSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

/** Prepared statements kept per connection; beyond this the least recently prepared is dropped. */
export const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely's SQLite driver prepares every query again. Parsing and planning a statement cost more
 * than running it for the small queries of the request path and the writer thread's multi-row
 * inserts (`npm run bench:writer` measures those), so the connection keeps statements by SQL text. Reuse is safe: better-sqlite3 runs a statement to completion synchronously (we never
 * stream with iterate()), and it re-prepares by itself after a schema change.
 */
export function withStatementCache(db: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => db.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = db.prepare(sql) as unknown as SqliteStatement;
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Switching a new file to WAL needs an exclusive lock, and SQLite does not call the busy handler
// for it: a process opening a fresh file while another converts it gets SQLITE_BUSY at once.
async function enableWal(db: BetterSqlite3.Database): Promise<void> {
  const deadline = Date.now() + SQLITE_BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      const mode = db.pragma("journal_mode = WAL", { simple: true });
      // ":memory:" stays "memory"; anything else must have become WAL.
      if (mode === "wal" || mode === "memory") return;
      throw new Error(`journal_mode stayed '${String(mode)}'`);
    } catch (error) {
      if ((error as { code?: string }).code !== "SQLITE_BUSY" || Date.now() > deadline) throw error;
      await sleep(10 + Math.random() * 40);
    }
  }
}

/** Opens (creating it and its folder if needed) an SQLite file, or ":memory:". */
export async function openSqlite(file: string, displayUrl: string): Promise<Kysely<Database>> {
  let db: BetterSqlite3.Database;
  try {
    if (file !== ":memory:") mkdirSync(path.dirname(file), { recursive: true });
    db = new BetterSqlite3(file);
  } catch (error) {
    throw new LlmopsError(
      "unavailable",
      `Cannot open the SQLite database ${displayUrl}: ${(error as Error).message}. ` +
        "Check that its folder exists or can be created and is writable (LLMOPS_HOME / LLMOPS_DATABASE_URL).",
      { cause: error },
    );
  }
  try {
    db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    // WAL lets readers run while one process writes; NORMAL sync is durable in WAL mode
    // except for the last commits on power loss (never corruption).
    await enableWal(db);
    db.pragma("synchronous = NORMAL");
    db.pragma("foreign_keys = ON");
  } catch (error) {
    db.close();
    const notADatabase = (error as { code?: string }).code === "SQLITE_NOTADB";
    throw new LlmopsError(
      notADatabase ? "config_invalid" : "unavailable",
      notADatabase
        ? `${displayUrl} is not an SQLite database; point LLMOPS_DATABASE_URL at another file.`
        : `Cannot use the SQLite database ${displayUrl}: ${(error as Error).message}. Check the file's permissions and that no other program holds it locked.`,
      { cause: error },
    );
  }
  return new Kysely<Database>({ dialect: new LlmopsSqliteDialect({ database: withStatementCache(db) }) });
}
