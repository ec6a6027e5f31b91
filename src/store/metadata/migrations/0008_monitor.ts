// Drift monitoring (docs/monitoring.md): one feature row per gateway request — numbers and coarse
// histograms computed from the prompt and the answer, never their text — and the results of each
// scheduled drift check. Portable DDL only.
import type { Kysely, Migration } from "kysely";

export const monitor: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("monitor_features")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("at", "text", (c) => c.notNull())
      .addColumn("model", "text")
      .addColumn("status", "integer", (c) => c.notNull())
      .addColumn("prompt_chars", "integer", (c) => c.notNull())
      .addColumn("prompt_tokens", "integer")
      .addColumn("lang", "text", (c) => c.notNull())
      // JSON object: hashed token bucket → count (at most 64 buckets).
      .addColumn("token_buckets", "text", (c) => c.notNull())
      .addColumn("output_chars", "integer")
      .addColumn("output_tokens", "integer")
      .addColumn("refusal", "integer")
      // JSON array of numbers, only when monitoring.drift.embedding_model is configured.
      .addColumn("embedding", "text")
      .execute();
    await db.schema.createIndex("monitor_features_at_idx").on("monitor_features").column("at").execute();

    await db.schema
      .createTable("drift_checks")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("at", "text", (c) => c.notNull())
      .addColumn("reference_from", "text", (c) => c.notNull())
      .addColumn("reference_to", "text", (c) => c.notNull())
      .addColumn("current_from", "text", (c) => c.notNull())
      .addColumn("current_to", "text", (c) => c.notNull())
      .addColumn("reference_n", "integer", (c) => c.notNull())
      .addColumn("current_n", "integer", (c) => c.notNull())
      .addColumn("drifted", "integer", (c) => c.notNull())
      // JSON array of per-feature results (feature, test, score, threshold, drifted, status).
      .addColumn("features_json", "text", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("drift_checks_at_idx").on("drift_checks").column("at").execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("drift_checks").execute();
    await db.schema.dropTable("monitor_features").execute();
  },
};
