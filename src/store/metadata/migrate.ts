// Runs the migrations in ./migrations with Kysely's Migrator and a static provider (no
// filesystem scanning, so bundling and `dist/` layouts cannot lose a migration).
import { DEFAULT_MIGRATION_TABLE, type Kysely, type Migration, type MigrationProvider, Migrator, sql } from "kysely";
import { LlmopsError } from "../../errors.js";
import type { Database } from "../schema.js";
import { migrations } from "./migrations/index.js";

class StaticMigrationProvider implements MigrationProvider {
  constructor(private readonly all: Readonly<Record<string, Migration>>) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return { ...this.all };
  }
}

/** Names of every migration this build knows, in order. */
export const knownMigrations: readonly string[] = Object.keys(migrations).sort();

/**
 * During a rolling upgrade a newer llmops migrates the database while older instances still run
 * (and may restart). Migrations only ever add tables, columns and indexes (test/migrations.test.ts
 * enforces it), so a database that has every migration this build knows plus newer ones still has
 * the schema this build needs: start without migrating instead of refusing. A database that lacks
 * one of our migrations while holding unknown ones is a different lineage and still fails below.
 */
async function aheadButCompatible(db: Kysely<Database>): Promise<boolean> {
  let applied: string[];
  try {
    const { rows } = await sql<{ name: string }>`select name from ${sql.table(DEFAULT_MIGRATION_TABLE)}`.execute(db);
    applied = rows.map((r) => r.name);
  } catch {
    return false; // no migration table yet: a fresh database
  }
  const ours = new Set(knownMigrations);
  const newer = applied.filter((name) => !ours.has(name));
  return newer.length > 0 && knownMigrations.every((name) => applied.includes(name));
}

/**
 * Brings the database to the latest schema and returns the names of the migrations it applied
 * (empty when it was already current). Safe when several processes start at once: PostgreSQL
 * takes an advisory lock; SQLite runs each migration inside BEGIN IMMEDIATE (see sqlite.ts).
 */
export async function migrateToLatest(db: Kysely<Database>, displayUrl: string): Promise<string[]> {
  // Unordered: a database that has a later migration but not an earlier one (built from a branch that
  // merged later) gets the missing one applied; migrations are expand-only, so order does not matter.
  const migrator = new Migrator({
    db,
    provider: new StaticMigrationProvider(migrations),
    allowUnorderedMigrations: true,
  });
  if (await aheadButCompatible(db)) return [];
  const { error, results } = await migrator.migrateToLatest();
  if (error === undefined) {
    return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
  }
  const message = error instanceof Error ? error.message : String(error);
  const failed = results?.find((r) => r.status === "Error")?.migrationName;
  if (/previously executed migration .* is missing/.test(message)) {
    throw new LlmopsError(
      "config_invalid",
      `The database at ${displayUrl} was migrated by a newer llmops (${message}); upgrade llmops, or point LLMOPS_DATABASE_URL at another database.`,
      { cause: error },
    );
  }
  throw new LlmopsError(
    "unavailable",
    `Migrating the database at ${displayUrl} failed${failed === undefined ? "" : ` in ${failed}`}: ${message}. ` +
      "Nothing of that migration was kept; fix the cause (permissions, disk space, connectivity) and start again.",
    { cause: error },
  );
}
