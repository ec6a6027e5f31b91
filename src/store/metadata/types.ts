import type { Kysely } from "kysely";
import type { Database } from "../schema.js";

export type SqlDialect = "sqlite" | "postgres";

/**
 * The metadata store: a migrated Kysely handle on SQLite (embedded default) or PostgreSQL.
 * Domain modules (registry, security, gateway logs) write their own queries against `db`,
 * using only SQL that both dialects accept; migrations live in ./migrations.
 */
export interface MetadataStore {
  readonly db: Kysely<Database>;
  readonly dialect: SqlDialect;
  /** The URL with any password removed, safe to print. */
  readonly displayUrl: string;
  close(): Promise<void>;
}
