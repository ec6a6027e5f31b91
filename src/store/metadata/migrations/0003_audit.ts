// The audit trail: an append-only, hash-chained log. `audit_head` holds the chain's tip in one row;
// every append updates it in the same transaction, which serialises writers on both engines (a row
// lock on PostgreSQL, the write lock on SQLite) so the chain never forks.
import type { Kysely, Migration } from "kysely";

export const audit: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("audit_events")
      .addColumn("seq", "bigint", (c) => c.primaryKey())
      .addColumn("id", "text", (c) => c.notNull().unique())
      .addColumn("at", "text", (c) => c.notNull())
      .addColumn("actor", "text", (c) => c.notNull())
      .addColumn("action", "text", (c) => c.notNull())
      .addColumn("target", "text", (c) => c.notNull())
      .addColumn("details_json", "text", (c) => c.notNull())
      .addColumn("prev_hash", "text", (c) => c.notNull())
      .addColumn("hash", "text", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("audit_events_action_idx").on("audit_events").columns(["action", "seq"]).execute();
    await db.schema.createIndex("audit_events_target_idx").on("audit_events").columns(["target", "seq"]).execute();
    await db.schema
      .createTable("audit_head")
      .addColumn("id", "integer", (c) => c.primaryKey())
      .addColumn("seq", "bigint", (c) => c.notNull())
      .addColumn("hash", "text", (c) => c.notNull())
      .execute();
    await (db as Kysely<{ audit_head: { id: number; seq: number; hash: string } }>)
      .insertInto("audit_head")
      .values({ id: 1, seq: 0, hash: "0".repeat(64) })
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("audit_head").execute();
    await db.schema.dropTable("audit_events").execute();
  },
};
