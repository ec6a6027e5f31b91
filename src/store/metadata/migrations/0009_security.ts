// Production gateway security (issue 6): per-key model allow-lists, expiry and team on API keys, and
// the audit chain's base for retention. Portable DDL only (SQLite and PostgreSQL).
import type { Kysely, Migration } from "kysely";

export const security: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    // JSON array of model names or `name@alias|version` a key may use; null = every model.
    await db.schema.alterTable("api_keys").addColumn("models_json", "text").execute();
    // ISO time after which the key stops working; null = never.
    await db.schema.alterTable("api_keys").addColumn("expires_at", "text").execute();
    // The team a key belongs to (team rate limits and budgets, audit); null = none.
    await db.schema.alterTable("api_keys").addColumn("team", "text").execute();
    // Retention removes the oldest audit entries: the chain then starts after base_seq, whose hash
    // (base_hash) the first kept entry must link to. A hash-chained `audit.prune` checkpoint entry
    // records the same pair, so moving the base without rewriting the chain is detected.
    await db.schema
      .alterTable("audit_head")
      .addColumn("base_seq", "bigint", (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .alterTable("audit_head")
      .addColumn("base_hash", "text", (c) => c.notNull().defaultTo("0".repeat(64)))
      .execute();
    await db.schema.createIndex("audit_events_at_idx").on("audit_events").columns(["at"]).execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex("audit_events_at_idx").execute();
    await db.schema.alterTable("audit_head").dropColumn("base_hash").execute();
    await db.schema.alterTable("audit_head").dropColumn("base_seq").execute();
    await db.schema.alterTable("api_keys").dropColumn("team").execute();
    await db.schema.alterTable("api_keys").dropColumn("expires_at").execute();
    await db.schema.alterTable("api_keys").dropColumn("models_json").execute();
  },
};
