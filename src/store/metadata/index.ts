// Opens the metadata store named by a URL and brings its schema up to date.
import { migrateToLatest } from "./migrate.js";
import { openSqlite } from "./sqlite.js";
import type { MetadataStore, SqlDialect } from "./types.js";
import { parseDatabaseUrl, redactUrl } from "./url.js";

export { isForeignKeyViolation, isUniqueViolation } from "./errors.js";
export { knownMigrations, migrateToLatest } from "./migrate.js";
export type { MetadataStore, SqlDialect } from "./types.js";
export { parseDatabaseUrl, redactUrl } from "./url.js";

export interface OpenMetadataStoreOptions {
  /** Apply pending migrations on open (default true). */
  migrate?: boolean;
}

// better-sqlite3 waits for locks synchronously, so two stores on one file migrating at once in
// the same process would block each other's event loop until the busy timeout. Opens of one
// file within a process therefore take turns; other processes are handled by SQLite's locks.
const sqliteOpening = new Map<string, Promise<unknown>>();

async function serialised<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = sqliteOpening.get(key) ?? Promise.resolve();
  const current = previous.then(work, work);
  const settled = current.catch(() => {});
  sqliteOpening.set(key, settled);
  try {
    return await current;
  } finally {
    if (sqliteOpening.get(key) === settled) sqliteOpening.delete(key);
  }
}

/**
 * `sqlite:PATH` / `sqlite://PATH` / a plain path / `:memory:` → SQLite (WAL, busy timeout,
 * foreign keys; parent folders created); `postgres://` / `postgresql://` → PostgreSQL.
 * Throws LlmopsError `config_invalid` for an unknown scheme, `unavailable` when it cannot connect.
 */
export async function openMetadataStore(url: string, opts: OpenMetadataStoreOptions = {}): Promise<MetadataStore> {
  const target = parseDatabaseUrl(url);
  const displayUrl = target.kind === "sqlite" ? `sqlite:${target.path}` : redactUrl(target.url);
  const dialect: SqlDialect = target.kind;
  const open = async () => {
    const db =
      target.kind === "sqlite"
        ? await openSqlite(target.path, displayUrl)
        : // Loaded on demand, so the embedded default never pays for the PostgreSQL client.
          await (await import("./postgres.js")).openPostgres(target.url, displayUrl);
    if (opts.migrate !== false) {
      try {
        await migrateToLatest(db, displayUrl);
      } catch (error) {
        await db.destroy().catch(() => {});
        throw error;
      }
    }
    return db;
  };
  const db =
    target.kind === "sqlite" && target.path !== ":memory:" ? await serialised(target.path, open) : await open();
  let closed: Promise<void> | undefined;
  return {
    db,
    dialect,
    displayUrl,
    close(): Promise<void> {
      closed ??= db.destroy();
      return closed;
    },
  };
}
