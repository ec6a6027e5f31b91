// Metadata stores for suites that must behave the same on SQLite and PostgreSQL: each call gives
// a fresh, empty database (a temp SQLite file, or a new PostgreSQL database dropped afterwards).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { openMetadataStore } from "../../src/store/metadata/index.js";
import type { MetadataStore } from "../../src/store/metadata/types.js";
import { requiredInCi, testPostgresUrl } from "./services.js";

export interface TestDatabase {
  dialect: "sqlite" | "postgres";
  url: string;
  drop(): Promise<void>;
}

export type TestDatabaseFactory = () => Promise<TestDatabase>;

/** The dialects to run against: SQLite always, PostgreSQL when configured (required under CI). */
export function databaseFactories(): Array<[string, TestDatabaseFactory]> {
  const factories: Array<[string, TestDatabaseFactory]> = [["sqlite", freshSqlite]];
  const pgUrl = testPostgresUrl();
  if (pgUrl) factories.push(["postgres", () => freshPostgres(pgUrl)]);
  else requiredInCi("postgres");
  return factories;
}

async function freshSqlite(): Promise<TestDatabase> {
  const dir = mkdtempSync(path.join(tmpdir(), "llmops-db-"));
  return { dialect: "sqlite", url: `sqlite:${path.join(dir, "llmops.db")}`, drop: async () => {} };
}

async function freshPostgres(adminUrl: string): Promise<TestDatabase> {
  const name = `llmops_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    dialect: "postgres",
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * A migrated store on a fresh database for the enclosing describe block (opened before its tests,
 * closed and dropped after them). Read `.store` inside tests.
 */
export function freshStoreFor(createDatabase: TestDatabaseFactory): { readonly store: MetadataStore } {
  let database: TestDatabase | undefined;
  let store: MetadataStore | undefined;
  beforeAll(async () => {
    database = await createDatabase();
    store = await openMetadataStore(database.url);
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });
  return {
    get store() {
      if (store === undefined) throw new Error("the store opens in beforeAll; read it inside a test");
      return store;
    },
  };
}
