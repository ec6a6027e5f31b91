// The first schema: every table of ../../schema.ts. Portable column types only (text, integer,
// bigint, double precision) so SQLite and PostgreSQL hold the same values; times are ISO-8601
// text, which sorts chronologically, and JSON documents are text.
import type { Kysely, Migration } from "kysely";

export const initial: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("models")
      .addColumn("name", "text", (c) => c.primaryKey())
      .addColumn("description", "text")
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("created_by", "text", (c) => c.notNull())
      .execute();

    await db.schema
      .createTable("model_versions")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("model_name", "text", (c) => c.notNull().references("models.name"))
      .addColumn("version", "integer", (c) => c.notNull())
      .addColumn("artifact_hash", "text", (c) => c.notNull())
      // bigint: GGUF files pass 2 GiB; the PostgreSQL type parser turns int8 back into numbers.
      .addColumn("size_bytes", "bigint", (c) => c.notNull())
      .addColumn("format", "text", (c) => c.notNull())
      .addColumn("architecture", "text")
      .addColumn("parameter_count", "bigint")
      .addColumn("quantization", "text")
      .addColumn("context_length", "integer")
      .addColumn("vocab_size", "integer")
      .addColumn("metadata_json", "text", (c) => c.notNull())
      .addColumn("lineage_json", "text", (c) => c.notNull())
      .addColumn("tags_json", "text", (c) => c.notNull())
      .addColumn("description", "text")
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("created_by", "text", (c) => c.notNull())
      .addUniqueConstraint("model_versions_name_version_unique", ["model_name", "version"])
      .execute();
    await db.schema
      .createIndex("model_versions_artifact_hash_idx")
      .on("model_versions")
      .column("artifact_hash")
      .execute();

    await db.schema
      .createTable("model_aliases")
      .addColumn("model_name", "text", (c) => c.notNull())
      .addColumn("alias", "text", (c) => c.notNull())
      .addColumn("version", "integer", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .addColumn("updated_by", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("model_aliases_pk", ["model_name", "alias"])
      // An alias can only point at a version that exists.
      .addForeignKeyConstraint("model_aliases_version_fk", ["model_name", "version"], "model_versions", [
        "model_name",
        "version",
      ])
      .execute();

    // Append-only history; no foreign key so it outlives whatever it describes.
    await db.schema
      .createTable("alias_events")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("model_name", "text", (c) => c.notNull())
      .addColumn("alias", "text", (c) => c.notNull())
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("from_version", "integer")
      .addColumn("to_version", "integer")
      .addColumn("actor", "text", (c) => c.notNull())
      .addColumn("reason", "text")
      .addColumn("at", "text", (c) => c.notNull())
      .execute();
    // ULID ids sort by time, so (model, alias, id) serves "history of this alias, newest first".
    await db.schema
      .createIndex("alias_events_model_alias_idx")
      .on("alias_events")
      .columns(["model_name", "alias", "id"])
      .execute();

    await db.schema
      .createTable("api_keys")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("role", "text", (c) => c.notNull())
      .addColumn("key_hash", "text", (c) => c.notNull())
      .addColumn("key_salt", "text", (c) => c.notNull())
      .addColumn("key_prefix", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("created_by", "text", (c) => c.notNull())
      .addColumn("revoked_at", "text")
      .addColumn("last_used_at", "text")
      .execute();

    await db.schema
      .createTable("requests")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("at", "text", (c) => c.notNull())
      .addColumn("key_id", "text")
      .addColumn("route", "text", (c) => c.notNull())
      .addColumn("model", "text")
      .addColumn("model_version", "text")
      .addColumn("upstream", "text")
      .addColumn("status", "integer", (c) => c.notNull())
      .addColumn("error_code", "text")
      .addColumn("prompt_tokens", "integer")
      .addColumn("completion_tokens", "integer")
      // double precision: timers give fractional milliseconds; an integer column would reject them on PostgreSQL.
      .addColumn("latency_ms", "double precision", (c) => c.notNull())
      .addColumn("ttft_ms", "double precision")
      .addColumn("stream", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex("requests_at_idx").on("requests").column("at").execute();
    await db.schema.createIndex("requests_key_at_idx").on("requests").columns(["key_id", "at"]).execute();
    await db.schema.createIndex("requests_model_at_idx").on("requests").columns(["model", "at"]).execute();

    await db.schema
      .createTable("workers")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("url", "text", (c) => c.notNull())
      .addColumn("model_name", "text")
      .addColumn("model_version", "integer")
      .addColumn("artifact_hash", "text", (c) => c.notNull())
      .addColumn("pid", "integer")
      .addColumn("started_at", "text", (c) => c.notNull())
      .addColumn("heartbeat_at", "text", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("workers_heartbeat_idx").on("workers").column("heartbeat_at").execute();
    await db.schema
      .createIndex("workers_model_heartbeat_idx")
      .on("workers")
      .columns(["model_name", "heartbeat_at"])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of [
      "workers",
      "requests",
      "api_keys",
      "alias_events",
      "model_aliases",
      "model_versions",
      "models",
    ]) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};
