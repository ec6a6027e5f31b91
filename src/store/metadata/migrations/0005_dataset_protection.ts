// Datasets at rest and on request: envelope encryption (one wrapped data key per dataset, see
// src/data/crypto) and erasure (tombstones, erased versions; see src/data/erase). Portable DDL only.
import type { Kysely, Migration } from "kysely";

export const datasetProtection: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    // One data key per dataset, stored only wrapped (AES-256-GCM) by a master key that never
    // reaches the database; master_key_id is the master key's fingerprint, so rotation can tell
    // which rows still need re-wrapping and an unwrap with the wrong key fails with a clear error.
    await db.schema
      .createTable("dataset_keys")
      .addColumn("dataset_name", "text", (c) => c.primaryKey())
      .addColumn("key_id", "text", (c) => c.notNull().unique())
      .addColumn("master_key_id", "text", (c) => c.notNull())
      .addColumn("wrapped_key", "text", (c) => c.notNull())
      .addColumn("algorithm", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("created_by", "text", (c) => c.notNull())
      .addColumn("rotated_at", "text")
      .execute();
    await db.schema.createIndex("dataset_keys_master_idx").on("dataset_keys").column("master_key_id").execute();

    // The data key id a version's shards are sealed with (null: plaintext shards).
    await db.schema.alterTable("dataset_versions").addColumn("encryption_key_id", "text").execute();
    // Set when erasure removed the version's rows: metadata stays, rows are gone.
    await db.schema.alterTable("dataset_versions").addColumn("erased_at", "text").execute();
    await db.schema.alterTable("dataset_versions").addColumn("erasure_id", "text").execute();

    // One row per erasure request: who, when, why and a keyed hash of what matched (never the value).
    await db.schema
      .createTable("dataset_tombstones")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("at", "text", (c) => c.notNull())
      .addColumn("actor", "text", (c) => c.notNull())
      .addColumn("reason", "text", (c) => c.notNull())
      .addColumn("match_kind", "text", (c) => c.notNull())
      .addColumn("match_field", "text")
      .addColumn("match_hash", "text", (c) => c.notNull())
      .addColumn("rows_removed", "bigint", (c) => c.notNull())
      .addColumn("versions_json", "text", (c) => c.notNull())
      .addColumn("models_json", "text", (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("dataset_tombstones").ifExists().execute();
    await db.schema.alterTable("dataset_versions").dropColumn("erasure_id").execute();
    await db.schema.alterTable("dataset_versions").dropColumn("erased_at").execute();
    await db.schema.alterTable("dataset_versions").dropColumn("encryption_key_id").execute();
    await db.schema.dropTable("dataset_keys").ifExists().execute();
  },
};
