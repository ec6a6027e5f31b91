// Training runs (built-in trainer and external trainers over the HTTP API): one row per run with
// its recipe and provenance, one row per metric value per step (queryable, portable double
// precision), and the run's events (convergence warnings, status changes, checkpoints).
import type { Kysely, Migration } from "kysely";

export const runs: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("runs")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("name", "text")
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("source", "text", (c) => c.notNull())
      .addColumn("params_json", "text", (c) => c.notNull())
      .addColumn("dataset_json", "text", (c) => c.notNull())
      .addColumn("tokenizer_hash", "text")
      .addColumn("git_commit", "text")
      .addColumn("env_json", "text", (c) => c.notNull())
      .addColumn("summary_json", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("created_by", "text", (c) => c.notNull())
      .addColumn("updated_at", "text", (c) => c.notNull())
      .addColumn("finished_at", "text")
      .execute();
    await db.schema.createIndex("runs_created_idx").on("runs").columns(["created_at"]).execute();
    await db.schema
      .createTable("run_metrics")
      .addColumn("run_id", "text", (c) => c.notNull().references("runs.id"))
      .addColumn("split", "text", (c) => c.notNull())
      .addColumn("step", "integer", (c) => c.notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("value", "double precision")
      .addColumn("at", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("run_metrics_pk", ["run_id", "split", "name", "step"])
      .execute();
    await db.schema
      .createTable("run_events")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("run_id", "text", (c) => c.notNull().references("runs.id"))
      .addColumn("step", "integer")
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("severity", "text", (c) => c.notNull())
      .addColumn("message", "text", (c) => c.notNull())
      .addColumn("details_json", "text", (c) => c.notNull())
      .addColumn("at", "text", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("run_events_run_idx").on("run_events").columns(["run_id", "id"]).execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("run_events").execute();
    await db.schema.dropTable("run_metrics").execute();
    await db.schema.dropTable("runs").execute();
  },
};
