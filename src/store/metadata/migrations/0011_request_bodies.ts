// Opt-in prompt/response capture (docs/dashboard.md "Prompts and responses"): one row per captured
// request, already redacted by the configured policy and truncated, keyed by the request log's id.
// Additive only: the request log itself still never holds text.
import type { Kysely, Migration } from "kysely";

export const requestBodies: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("request_bodies")
      .addColumn("request_id", "text", (c) => c.primaryKey())
      .addColumn("at", "text", (c) => c.notNull())
      .addColumn("prompt", "text")
      .addColumn("response", "text")
      // The policy that produced the stored text: "pii-mask" or "none".
      .addColumn("redaction", "text", (c) => c.notNull())
      .execute();
    // Retention deletes by time.
    await db.schema.createIndex("request_bodies_at_idx").on("request_bodies").column("at").execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("request_bodies").ifExists().execute();
  },
};
