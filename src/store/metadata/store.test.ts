// One suite, run against every engine: SQLite always, PostgreSQL when LLMOPS_TEST_POSTGRES_URL
// is set (required under CI; start it with .ci/services/postgres.sh). Each test gets a fresh
// database: a temp file for SQLite, a new randomly named database for PostgreSQL (dropped after).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Selectable, sql } from "kysely";
import pg from "pg";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { requiredInCi, testPostgresUrl } from "../../../test/helpers/services.js";
import { LlmopsError } from "../../errors.js";
import type {
  AliasEventsTable,
  ApiKeysTable,
  Database,
  ModelAliasesTable,
  ModelsTable,
  ModelVersionsTable,
  RequestsTable,
  WorkersTable,
} from "../schema.js";
import {
  isForeignKeyViolation,
  isUniqueViolation,
  knownMigrations,
  migrateToLatest,
  openMetadataStore,
  parseDatabaseUrl,
  redactUrl,
} from "./index.js";
import type { MetadataStore } from "./types.js";

/** Every table of the schema: a table added to `Database` without one here fails to compile. */
const SCHEMA_TABLES: Record<keyof Database, true> = {
  models: true,
  model_versions: true,
  model_aliases: true,
  alias_events: true,
  api_keys: true,
  requests: true,
  workers: true,
  datasets: true,
  dataset_versions: true,
  dataset_shards: true,
  dataset_keys: true,
  dataset_tombstones: true,
  audit_events: true,
  audit_head: true,
  runs: true,
  run_metrics: true,
  run_events: true,
  eval_runs: true,
  eval_results: true,
  eval_cache: true,
  rollouts: true,
  rollout_shadow_samples: true,
  monitor_features: true,
  drift_checks: true,
  request_bodies: true,
};

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../../..");

interface Engine {
  name: "sqlite" | "postgres";
  /** A URL of a fresh, empty database, removed by `cleanup`. */
  fresh(): Promise<string>;
  cleanup(): Promise<void>;
}

function sqliteEngine(): Engine {
  const dirs: string[] = [];
  return {
    name: "sqlite",
    async fresh() {
      const dir = await mkdtemp(path.join(tmpdir(), "llmops-meta-"));
      dirs.push(dir);
      // A nested folder that does not exist yet: opening must create it.
      return `sqlite:${path.join(dir, "nested", "llmops.db")}`;
    },
    async cleanup() {
      await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
    },
  };
}

function postgresEngine(baseUrl: string): Engine {
  const databases: string[] = [];
  const admin = async <T>(work: (c: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    name: "postgres",
    async fresh() {
      const name = `llmops_test_${randomBytes(6).toString("hex")}`;
      await admin((c) => c.query(`create database ${name}`));
      databases.push(name);
      const url = new URL(baseUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async cleanup() {
      const names = databases.splice(0);
      if (names.length === 0) return;
      await admin(async (c) => {
        for (const name of names) await c.query(`drop database if exists ${name} with (force)`);
      });
    },
  };
}

const UNICODE = "模型 «Ünïcödé» — naïve café 🚀 \u{1F9EA} 'quotes' \"double\" \\ back; DROP TABLE models; --";

// Full rows (every column) typed against schema.ts: a column added there without a migration
// makes this file fail to compile or the round trip fail.
const model = (name: string): ModelsTable => ({
  name,
  description: `desc ${UNICODE}`,
  created_at: "2025-01-02T03:04:05.678Z",
  created_by: `user ${UNICODE}`,
});
const version = (modelName: string, v: number): ModelVersionsTable => ({
  id: `01J${modelName.toUpperCase().padEnd(10, "X")}${String(v).padStart(13, "0")}`,
  model_name: modelName,
  version: v,
  artifact_hash: "a".repeat(64),
  size_bytes: 5_368_709_120 + v, // 5 GiB: beyond int32, as real GGUF files are
  format: "gguf",
  architecture: "llama",
  parameter_count: 70_000_000_000,
  quantization: "Q4_0",
  context_length: 131072,
  vocab_size: 32000,
  metadata_json: JSON.stringify({ name: UNICODE, heads: 8 }),
  lineage_json: JSON.stringify({ gitCommit: "abc123" }),
  tags_json: JSON.stringify({ team: "研究" }),
  description: UNICODE,
  created_at: "2025-01-02T03:04:05.678Z",
  created_by: "alice",
});
const alias = (modelName: string, v: number): ModelAliasesTable => ({
  model_name: modelName,
  alias: "production",
  version: v,
  updated_at: "2025-01-02T03:04:05.678Z",
  updated_by: "ops 运维",
});
const aliasEvent = (id: string, modelName: string): AliasEventsTable => ({
  id,
  model_name: modelName,
  alias: "production",
  kind: "set",
  from_version: null,
  to_version: 1,
  actor: "ops 运维",
  reason: UNICODE,
  at: "2025-01-02T03:04:05.678Z",
});
const apiKey = (id: string): ApiKeysTable => ({
  id,
  name: `key ${UNICODE}`,
  role: "developer",
  key_hash: "f".repeat(64),
  key_salt: "0".repeat(32),
  key_prefix: "llm_abc",
  created_at: "2025-01-02T03:04:05.678Z",
  created_by: "admin",
  revoked_at: null,
  last_used_at: "2025-01-03T00:00:00.000Z",
  models_json: JSON.stringify([`tiny ${UNICODE}`]),
  expires_at: "2026-01-02T03:04:05.678Z",
  team: `ml ${UNICODE}`,
});
const request = (id: string, at: string): Selectable<RequestsTable> => ({
  id,
  at,
  key_id: "01JKEY",
  route: "/v1/chat/completions",
  model: `tiny@production ${UNICODE}`,
  model_version: "tiny@3",
  upstream: "http://127.0.0.1:8101",
  status: 200,
  error_code: null,
  prompt_tokens: 12,
  completion_tokens: 34,
  latency_ms: 12.625,
  ttft_ms: 3.5,
  stream: 1,
});
const worker = (id: string): WorkersTable => ({
  id,
  url: "http://127.0.0.1:8101",
  model_name: "tiny",
  model_version: 3,
  artifact_hash: "b".repeat(64),
  pid: 4242,
  started_at: "2025-01-02T03:04:05.678Z",
  heartbeat_at: "2025-01-02T03:04:06.000Z",
});

const engines: Engine[] = [sqliteEngine()];
const postgresUrl = testPostgresUrl();
if (postgresUrl !== undefined) engines.push(postgresEngine(postgresUrl));

describe("PostgreSQL test server", () => {
  // Under CI a missing server is a broken pipeline, not a reason to skip half the suite.
  it.runIf(postgresUrl === undefined)("is configured when CI is set (LLMOPS_TEST_POSTGRES_URL)", () => {
    expect(() => requiredInCi("postgres")).not.toThrow();
  });
});

describe.each(engines)("metadata store on $name", (engine) => {
  const open: MetadataStore[] = [];
  const openStore = async (url: string) => {
    const store = await openMetadataStore(url);
    open.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  afterAll(() => engine.cleanup());

  it("migrates a fresh database, and opening again changes nothing", async () => {
    const url = await engine.fresh();
    const first = await openStore(url);
    expect(first.dialect).toBe(engine.name);
    await first.db.insertInto("models").values(model("kept")).execute();
    const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(first.db);
    expect(applied.rows.map((r) => r.name)).toEqual([...knownMigrations]);
    expect(await migrateToLatest(first.db, first.displayUrl)).toEqual([]);
    await first.close();

    const second = await openStore(url);
    const again = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(second.db);
    expect(again.rows.map((r) => r.name)).toEqual([...knownMigrations]);
    expect(await second.db.selectFrom("models").select("name").execute()).toEqual([{ name: "kept" }]);
  });

  it("round-trips a full row of every table, unicode included", async () => {
    const store = await openStore(await engine.fresh());
    const { db } = store;
    const name = "tiny-模型";
    await db.insertInto("models").values(model(name)).execute();
    await db.insertInto("model_versions").values(version(name, 1)).execute();
    await db.insertInto("model_aliases").values(alias(name, 1)).execute();
    await db.insertInto("alias_events").values(aliasEvent("01JEVENT0001", name)).execute();
    await db.insertInto("api_keys").values(apiKey("01JKEY")).execute();
    await db.insertInto("requests").values(request("01JREQ0001", "2025-01-02T03:04:05.678Z")).execute();
    await db.insertInto("workers").values(worker("w1")).execute();

    expect(await db.selectFrom("models").selectAll().execute()).toEqual([model(name)]);
    expect(await db.selectFrom("model_versions").selectAll().execute()).toEqual([version(name, 1)]);
    expect(await db.selectFrom("model_aliases").selectAll().execute()).toEqual([alias(name, 1)]);
    expect(await db.selectFrom("alias_events").selectAll().execute()).toEqual([aliasEvent("01JEVENT0001", name)]);
    expect(await db.selectFrom("api_keys").selectAll().execute()).toEqual([apiKey("01JKEY")]);
    expect(await db.selectFrom("requests").selectAll().execute()).toEqual([
      request("01JREQ0001", "2025-01-02T03:04:05.678Z"),
    ]);
    expect(await db.selectFrom("workers").selectAll().execute()).toEqual([worker("w1")]);

    // Updates round-trip too (the movable pointers and key revocation use them).
    await db
      .updateTable("api_keys")
      .set({ revoked_at: "2025-02-01T00:00:00.000Z" })
      .where("id", "=", "01JKEY")
      .execute();
    const revoked = await db.selectFrom("api_keys").select("revoked_at").executeTakeFirstOrThrow();
    expect(revoked.revoked_at).toBe("2025-02-01T00:00:00.000Z");
  });

  it("surfaces unique and foreign-key violations in a way callers can recognise", async () => {
    const { db } = await openStore(await engine.fresh());
    await db.insertInto("models").values(model("m")).execute();
    await db.insertInto("model_versions").values(version("m", 1)).execute();

    const duplicate = { ...version("m", 1), id: "01JOTHERID" }; // same (model_name, version), new id
    const unique = await db
      .insertInto("model_versions")
      .values(duplicate)
      .execute()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(unique).toBeDefined();
    expect(isUniqueViolation(unique)).toBe(true);
    expect(isForeignKeyViolation(unique)).toBe(false);

    const samePk = await db
      .insertInto("models")
      .values(model("m"))
      .execute()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isUniqueViolation(samePk)).toBe(true);

    // An alias must point at an existing version; a version must belong to an existing model.
    const danglingAlias = await db
      .insertInto("model_aliases")
      .values(alias("m", 99))
      .execute()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isForeignKeyViolation(danglingAlias)).toBe(true);
    const orphan = await db
      .insertInto("model_versions")
      .values(version("nope", 1))
      .execute()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isForeignKeyViolation(orphan)).toBe(true);
    expect(await db.selectFrom("model_versions").select("id").execute()).toHaveLength(1);
  });

  it("rolls a failed transaction back completely", async () => {
    const { db } = await openStore(await engine.fresh());
    await db.insertInto("models").values(model("base")).execute();

    const thrown = await db
      .transaction()
      .execute(async (trx) => {
        await trx.insertInto("models").values(model("half")).execute();
        await trx.insertInto("model_versions").values(version("half", 1)).execute();
        await trx.insertInto("model_aliases").values(alias("half", 1)).execute();
        await trx.updateTable("models").set({ description: "changed" }).where("name", "=", "base").execute();
        // Fails on the unique (model_name, version) constraint, after four successful writes.
        await trx
          .insertInto("model_versions")
          .values({ ...version("half", 1), id: "01JDUPLICATE" })
          .execute();
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isUniqueViolation(thrown)).toBe(true);
    expect(await db.selectFrom("models").selectAll().execute()).toEqual([model("base")]);
    expect(await db.selectFrom("model_versions").selectAll().execute()).toEqual([]);
    expect(await db.selectFrom("model_aliases").selectAll().execute()).toEqual([]);

    // An application error (not SQL) rolls back as well, and the store stays usable after.
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto("models").values(model("ghost")).execute();
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await db.selectFrom("models").select("name").execute()).toEqual([{ name: "base" }]);
    await db.transaction().execute((trx) => trx.insertInto("models").values(model("after")).execute());
    expect(await db.selectFrom("models").select("name").orderBy("name").execute()).toHaveLength(2);
  });

  it("returns numeric columns and aggregates as JS numbers", async () => {
    const { db } = await openStore(await engine.fresh());
    await db.insertInto("models").values(model("n")).execute();
    await db
      .insertInto("model_versions")
      .values([version("n", 1), version("n", 2)])
      .execute();
    await db.insertInto("requests").values(request("r1", "2025-01-01T00:00:00.000Z")).execute();

    const row = await db.selectFrom("model_versions").selectAll().where("version", "=", 2).executeTakeFirstOrThrow();
    expect(row.size_bytes).toBe(5_368_709_122);
    expect(row.parameter_count).toBe(70_000_000_000);
    expect(typeof row.version).toBe("number");
    expect(typeof row.context_length).toBe("number");

    const req = await db.selectFrom("requests").selectAll().executeTakeFirstOrThrow();
    expect(req.latency_ms).toBe(12.625);
    expect(req.ttft_ms).toBe(3.5);
    expect(req.stream).toBe(1);

    const agg = await db
      .selectFrom("model_versions")
      .select((eb) => [
        eb.fn.countAll<number>().as("count"),
        eb.fn.sum<number>("size_bytes").as("total"),
        eb.fn.max<number>("version").as("latest"),
      ])
      .executeTakeFirstOrThrow();
    expect(agg).toEqual({ count: 2, total: 2 * 5_368_709_120 + 3, latest: 2 });
  });

  it("orders ISO timestamps; creates exactly the schema's tables", async () => {
    const { db } = await openStore(await engine.fresh());
    const times = ["2025-03-01T00:00:00.000Z", "2025-01-01T00:00:00.000Z", "2025-02-01T00:00:00.000Z"];
    await db
      .insertInto("requests")
      .values(times.map((t, i) => request(`r${i}`, t)))
      .execute();
    const rows = await db
      .selectFrom("requests")
      .select("at")
      .where("at", ">=", "2025-01-15T00:00:00.000Z")
      .orderBy("at", "desc")
      .execute();
    expect(rows.map((r) => r.at)).toEqual(["2025-03-01T00:00:00.000Z", "2025-02-01T00:00:00.000Z"]);

    const tables = (await db.introspection.getTables()).map((t) => t.name).sort();
    expect(tables).toEqual(Object.keys(SCHEMA_TABLES).sort());
  });

  it("lets several openers migrate the same fresh database at once (in process)", async () => {
    const url = await engine.fresh();
    const stores = await Promise.all([1, 2, 3, 4].map(() => openStore(url)));
    await Promise.all(
      stores.map((s, i) =>
        s.db
          .insertInto("models")
          .values(model(`m${i}`))
          .execute(),
      ),
    );
    const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(stores[0]!.db);
    expect(applied.rows.map((r) => r.name)).toEqual([...knownMigrations]);
    expect(await stores[0]!.db.selectFrom("models").select("name").orderBy("name").execute()).toHaveLength(4);
  });

  it("lets several processes migrate the same fresh database at once", async () => {
    const url = await engine.fresh();
    const fixture = path.join(here, "test-fixtures", "open-and-insert.ts");
    const viteNode = path.join(repoRoot, "node_modules", "vite-node", "vite-node.mjs");
    const children = [0, 1, 2, 3].map((i) => {
      const child = spawn(process.execPath, [viteNode, fixture, url, `proc-${i}`], {
        cwd: repoRoot,
        stdio: ["pipe", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        stdout += d;
      });
      child.stderr.setEncoding("utf8").on("data", (d: string) => {
        stderr += d;
      });
      const ready = new Promise<void>((resolve, reject) => {
        const check = () => (stdout.includes("ready") ? resolve() : undefined);
        child.stdout.on("data", check);
        child.once("exit", () => reject(new Error(`child ${i} exited before ready: ${stderr}`)));
      });
      const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
        child.once("exit", (code) => resolve({ code, stdout, stderr })),
      );
      return { child, ready, exited };
    });
    // A barrier: every child has loaded its modules before any starts migrating.
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.child.stdin.end("go\n");
    const results = await Promise.all(children.map((c) => c.exited));
    expect(results.filter((r) => r.code !== 0).map((r) => r.stderr)).toEqual([]);
    for (const r of results) expect(r.stdout).toBe("ready\nok\n");

    const store = await openStore(url);
    const names = await store.db.selectFrom("models").select("name").orderBy("name").execute();
    expect(names.map((n) => n.name)).toEqual(["proc-0", "proc-1", "proc-2", "proc-3"]);
    const applied = await sql<{ name: string }>`select name from kysely_migration`.execute(store.db);
    expect(applied.rows.map((r) => r.name)).toEqual([...knownMigrations]);
  }, 60_000);
});

describe("metadata store URLs and failures", () => {
  it("parses SQLite URL forms and rejects unknown schemes with config_invalid", () => {
    expect(parseDatabaseUrl("sqlite:/tmp/a.db")).toEqual({ kind: "sqlite", path: "/tmp/a.db" });
    expect(parseDatabaseUrl("sqlite:///tmp/a.db")).toEqual({ kind: "sqlite", path: "/tmp/a.db" });
    expect(parseDatabaseUrl("sqlite:rel/a.db", "/base")).toEqual({ kind: "sqlite", path: "/base/rel/a.db" });
    expect(parseDatabaseUrl("/tmp/plain.db")).toEqual({ kind: "sqlite", path: "/tmp/plain.db" });
    expect(parseDatabaseUrl("data/x.db", "/base")).toEqual({ kind: "sqlite", path: "/base/data/x.db" });
    expect(parseDatabaseUrl(":memory:")).toEqual({ kind: "sqlite", path: ":memory:" });
    expect(parseDatabaseUrl("sqlite::memory:")).toEqual({ kind: "sqlite", path: ":memory:" });
    expect(parseDatabaseUrl("postgresql://u@h/db")).toEqual({ kind: "postgres", url: "postgresql://u@h/db" });
    for (const bad of ["mysql://u:pw@host/db", "file:/tmp/x.db", "http://x", "", "sqlite:"]) {
      let caught: unknown;
      try {
        parseDatabaseUrl(bad);
      } catch (e) {
        caught = e;
      }
      expect(caught, bad).toBeInstanceOf(LlmopsError);
      expect((caught as LlmopsError).code).toBe("config_invalid");
      expect((caught as LlmopsError).message).not.toContain("pw");
    }
    expect(() => parseDatabaseUrl("mysql://u@h/db")).toThrow(/use sqlite:PATH or postgres:\/\//);
  });

  it("redacts passwords for display", () => {
    expect(redactUrl("postgres://user:s3cr%40t@db.example:5432/llmops")).toBe(
      "postgres://user:***@db.example:5432/llmops",
    );
    expect(redactUrl("postgres://user@db/llmops")).toBe("postgres://user@db/llmops");
    expect(redactUrl("postgres://db/llmops?password=hunter2&sslmode=require")).toBe(
      "postgres://db/llmops?password=***&sslmode=require",
    );
  });

  it("works in memory", async () => {
    const store = await openMetadataStore(":memory:");
    await store.db.insertInto("models").values(model("mem")).execute();
    expect(await store.db.selectFrom("models").select("name").execute()).toEqual([{ name: "mem" }]);
    await store.close();
    await store.close(); // closing twice is harmless
  });

  it("uses WAL mode and enforces foreign keys on SQLite files", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "llmops-meta-"));
    try {
      const store = await openMetadataStore(path.join(dir, "x.db"));
      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.db);
      expect(mode.rows[0]?.journal_mode).toBe("wal");
      const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(store.db);
      expect(fk.rows[0]?.foreign_keys).toBe(1);
      expect(store.displayUrl).toBe(`sqlite:${path.join(dir, "x.db")}`);
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("fails with unavailable when the SQLite folder cannot be created", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "llmops-meta-"));
    try {
      const file = path.join(dir, "a-file");
      await writeFile(file, "not a folder");
      const err = await openMetadataStore(`sqlite:${path.join(file, "sub", "x.db")}`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LlmopsError);
      expect((err as LlmopsError).code).toBe("unavailable");
      expect((err as LlmopsError).message).toMatch(/Cannot open the SQLite database .*a-file/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses a file that is not an SQLite database with config_invalid", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "llmops-meta-"));
    try {
      const file = path.join(dir, "junk.db");
      await writeFile(file, Buffer.alloc(8192, 7));
      const err = await openMetadataStore(file).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LlmopsError);
      expect((err as LlmopsError).code).toBe("config_invalid");
      expect((err as LlmopsError).message).toContain("is not an SQLite database");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("fails with unavailable, naming the redacted URL, when PostgreSQL cannot be reached", async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const err = await openMetadataStore("postgres://llmops:topsecret@127.0.0.1:1/llmops").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmopsError);
    expect((err as LlmopsError).code).toBe("unavailable");
    expect((err as LlmopsError).message).toContain("postgres://llmops:***@127.0.0.1:1/llmops");
    expect((err as LlmopsError).message).not.toContain("topsecret");
    expect((err as LlmopsError).message).toMatch(/Check that the server is running/);
  });
});
