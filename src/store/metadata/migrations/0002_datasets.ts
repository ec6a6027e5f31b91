// Datasets: named, with immutable numbered versions whose rows live in gzip'd JSONL shards in the
// artifact store. Encryption at rest and erasure (later migrations) fit this layout: an encrypted
// shard is another `encoding` plus a wrapped data key per dataset in its own table; erasure writes
// new versions, deletes the old shards' artifacts (found through the artifact_hash index, which
// also shows whether another version still shares a shard) and records a tombstone table of its own.
import type { Kysely, Migration } from "kysely";

export const datasets: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("datasets")
      .addColumn("name", "text", (c) => c.primaryKey())
      .addColumn("description", "text")
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("created_by", "text", (c) => c.notNull())
      .execute();

    await db.schema
      .createTable("dataset_versions")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("dataset_name", "text", (c) => c.notNull().references("datasets.name"))
      .addColumn("version", "integer", (c) => c.notNull())
      .addColumn("content_hash", "text", (c) => c.notNull())
      // bigint: datasets pass 2 GiB and 2^31 rows; the PostgreSQL type parser turns int8 back into numbers.
      .addColumn("row_count", "bigint", (c) => c.notNull())
      .addColumn("bytes", "bigint", (c) => c.notNull())
      .addColumn("stored_bytes", "bigint", (c) => c.notNull())
      .addColumn("shard_count", "integer", (c) => c.notNull())
      .addColumn("text_field", "text")
      .addColumn("schema_json", "text", (c) => c.notNull())
      .addColumn("lineage_json", "text", (c) => c.notNull())
      .addColumn("stats_json", "text", (c) => c.notNull())
      .addColumn("description", "text")
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("created_by", "text", (c) => c.notNull())
      // Two writers racing for the same number: one wins, the other retries with the next.
      .addUniqueConstraint("dataset_versions_name_version_unique", ["dataset_name", "version"])
      .execute();
    await db.schema
      .createIndex("dataset_versions_content_hash_idx")
      .on("dataset_versions")
      .column("content_hash")
      .execute();

    await db.schema
      .createTable("dataset_shards")
      .addColumn("version_id", "text", (c) => c.notNull().references("dataset_versions.id"))
      .addColumn("shard", "integer", (c) => c.notNull())
      .addColumn("artifact_hash", "text", (c) => c.notNull())
      .addColumn("encoding", "text", (c) => c.notNull())
      .addColumn("first_row", "bigint", (c) => c.notNull())
      .addColumn("row_count", "bigint", (c) => c.notNull())
      .addColumn("bytes", "bigint", (c) => c.notNull())
      .addColumn("stored_bytes", "bigint", (c) => c.notNull())
      .addPrimaryKeyConstraint("dataset_shards_pk", ["version_id", "shard"])
      .execute();
    await db.schema
      .createIndex("dataset_shards_artifact_hash_idx")
      .on("dataset_shards")
      .column("artifact_hash")
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ["dataset_shards", "dataset_versions", "datasets"]) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};
