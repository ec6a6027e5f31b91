// Rolling upgrades run old and new llmops side by side on one database, so migrations may only
// expand the schema: this applies them one at a time (SQLite, and PostgreSQL when configured) and
// checks that no table or column ever disappears and that every column added to an existing table
// can be left out by older code (nullable or defaulted). It also checks that an older build starts
// against a database a newer build has already migrated, and refuses a different lineage.
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { openMetadataStore } from "../src/store/metadata/index.js";
import { migrateToLatest } from "../src/store/metadata/migrate.js";
import { migrations } from "../src/store/metadata/migrations/index.js";
import { databaseFactories, type TestDatabase } from "./helpers/databases.js";

class Provider implements MigrationProvider {
  constructor(private readonly all: Record<string, Migration>) {}
  async getMigrations() {
    return { ...this.all };
  }
}

type Schema = Map<string, Map<string, { nullable: boolean; hasDefault: boolean }>>;

async function schemaOf(db: Kysely<unknown>): Promise<Schema> {
  const tables = await db.introspection.getTables();
  return new Map(
    tables
      .filter((t) => !t.name.startsWith("kysely_"))
      .map((t) => [
        t.name,
        new Map(t.columns.map((c) => [c.name, { nullable: c.isNullable, hasDefault: c.hasDefaultValue }])),
      ]),
  );
}

const names = Object.keys(migrations).sort();

describe.each(databaseFactories())("migrations on %s", (_dialect, fresh) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.drop();
    database = undefined;
  });

  it("only ever add tables, nullable or defaulted columns, and indexes", async () => {
    database = await fresh();
    const store = await openMetadataStore(database.url, { migrate: false });
    const db = store.db as unknown as Kysely<unknown>;
    try {
      const migrator = new Migrator({ db, provider: new Provider(migrations) });
      let before: Schema = new Map();
      for (const name of names) {
        const { error } = await migrator.migrateTo(name);
        expect(error, name).toBeUndefined();
        const after = await schemaOf(db);
        for (const [table, columns] of before) {
          expect(after.has(table), `${name} dropped or renamed table ${table}`).toBe(true);
          for (const column of columns.keys()) {
            expect(after.get(table)!.has(column), `${name} dropped or renamed ${table}.${column}`).toBe(true);
          }
          for (const [column, info] of after.get(table)!) {
            if (columns.has(column)) continue;
            expect(
              info.nullable || info.hasDefault,
              `${name} added ${table}.${column} NOT NULL without a default`,
            ).toBe(true);
          }
        }
        before = after;
      }
    } finally {
      await store.close();
    }
  }, 60_000);

  it("applies a migration that arrives after later ones (branches merged in another order)", async () => {
    database = await fresh();
    const store = await openMetadataStore(database.url, { migrate: false });
    const db = store.db as unknown as Kysely<unknown>;
    try {
      const middle = names[Math.floor(names.length / 2)]!;
      const without = Object.fromEntries(Object.entries(migrations).filter(([name]) => name !== middle));
      const partial = new Migrator({ db, provider: new Provider(without) });
      expect((await partial.migrateToLatest()).error).toBeUndefined();
      expect(await migrateToLatest(store.db, database.url)).toEqual([middle]);
      expect(await migrateToLatest(store.db, database.url)).toEqual([]);
    } finally {
      await store.close();
    }
  }, 60_000);

  it("lets an older build start on a database a newer build migrated, and refuses another lineage", async () => {
    database = await fresh();
    const store = await openMetadataStore(database.url, { migrate: false });
    const db = store.db as unknown as Kysely<unknown>;
    try {
      const future: Migration = {
        async up(d) {
          await d.schema
            .createTable("from_the_future")
            .addColumn("id", "text", (c) => c.primaryKey())
            .execute();
        },
      };
      const newer = new Migrator({ db, provider: new Provider({ ...migrations, "9999_future": future }) });
      expect((await newer.migrateToLatest()).error).toBeUndefined();
      // This build does not know 9999_future but has all of its own: it runs as it is.
      expect(await migrateToLatest(store.db, database.url)).toEqual([]);
      await sql`insert into from_the_future (id) values ('still here')`.execute(db);
      // A database that holds an unknown migration but lacks one of ours is not compatible.
      await sql`delete from kysely_migration where name = ${names.at(-1)!}`.execute(db);
      await expect(migrateToLatest(store.db, database.url)).rejects.toThrow(/migrated by a newer llmops/);
    } finally {
      await store.close();
    }
  }, 60_000);
});
