// Rollouts of an alias (canary split, shadow, blue/green) and the shadow comparisons they record.
// One row per rollout, kept after it ends (promoted, rolled back, aborted) as history; a partial
// unique index allows one active rollout per alias. Portable DDL only.
import { type Kysely, type Migration, sql } from "kysely";

export const rollouts: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("rollouts")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("model_name", "text", (c) => c.notNull())
      .addColumn("alias", "text", (c) => c.notNull())
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("stable_version", "integer", (c) => c.notNull())
      .addColumn("candidate_version", "integer", (c) => c.notNull())
      .addColumn("percent", "double precision", (c) => c.notNull())
      .addColumn("slo_json", "text", (c) => c.notNull())
      .addColumn("state", "text", (c) => c.notNull())
      .addColumn("reason", "text")
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("created_by", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .addColumn("updated_by", "text", (c) => c.notNull())
      .addColumn("ended_at", "text")
      .addColumn("ended_by", "text")
      .addColumn("end_reason", "text")
      .addColumn("evidence_json", "text")
      .execute();
    await db.schema
      .createIndex("rollouts_one_active_idx")
      .unique()
      .on("rollouts")
      .columns(["model_name", "alias"])
      .where(sql.ref("state"), "=", "active")
      .execute();
    await db.schema.createIndex("rollouts_model_idx").on("rollouts").columns(["model_name", "alias", "id"]).execute();

    await db.schema
      .createTable("rollout_shadow_samples")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("rollout_id", "text", (c) => c.notNull())
      .addColumn("request_id", "text", (c) => c.notNull())
      .addColumn("at", "text", (c) => c.notNull())
      .addColumn("route", "text", (c) => c.notNull())
      .addColumn("primary_version", "text", (c) => c.notNull())
      .addColumn("primary_status", "integer", (c) => c.notNull())
      .addColumn("primary_latency_ms", "double precision", (c) => c.notNull())
      .addColumn("primary_output", "text")
      .addColumn("candidate_version", "text", (c) => c.notNull())
      .addColumn("candidate_status", "integer")
      .addColumn("candidate_latency_ms", "double precision")
      .addColumn("candidate_output", "text")
      .addColumn("candidate_error", "text")
      .execute();
    await db.schema
      .createIndex("rollout_shadow_samples_rollout_idx")
      .on("rollout_shadow_samples")
      .columns(["rollout_id", "id"])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("rollout_shadow_samples").execute();
    await db.schema.dropTable("rollouts").execute();
  },
};
