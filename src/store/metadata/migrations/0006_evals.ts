// Evaluation runs (`llmops eval`): one row per run with the suite it ran (snapshot and hash), the
// models compared, and its final summary and gate verdict; one row per finished call (test ×
// prompt × repeat × candidate/baseline), written as each finishes so an interrupted run resumes
// without redoing it; and a cache of identical model calls shared by every run.
import type { Kysely, Migration } from "kysely";

export const evals: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable("eval_runs")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("suite_name", "text", (c) => c.notNull())
      .addColumn("suite_hash", "text", (c) => c.notNull())
      .addColumn("suite_json", "text", (c) => c.notNull())
      .addColumn("candidate", "text", (c) => c.notNull())
      .addColumn("candidate_id", "text", (c) => c.notNull())
      .addColumn("baseline", "text")
      .addColumn("baseline_id", "text")
      .addColumn("model_name", "text")
      .addColumn("model_version", "integer")
      .addColumn("options_json", "text", (c) => c.notNull())
      .addColumn("fingerprint", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("gated", "integer", (c) => c.notNull())
      .addColumn("gate_pass", "integer")
      .addColumn("summary_json", "text")
      .addColumn("total_cells", "integer", (c) => c.notNull())
      .addColumn("pid", "integer")
      .addColumn("host", "text")
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("created_by", "text", (c) => c.notNull())
      .addColumn("finished_at", "text")
      .execute();
    await db.schema.createIndex("eval_runs_created_idx").on("eval_runs").columns(["created_at"]).execute();
    await db.schema
      .createIndex("eval_runs_model_idx")
      .on("eval_runs")
      .columns(["model_name", "model_version"])
      .execute();
    await db.schema.createIndex("eval_runs_fingerprint_idx").on("eval_runs").columns(["fingerprint"]).execute();
    await db.schema
      .createTable("eval_results")
      .addColumn("run_id", "text", (c) => c.notNull().references("eval_runs.id"))
      .addColumn("cell", "text", (c) => c.notNull())
      .addColumn("role", "text", (c) => c.notNull())
      .addColumn("case_id", "text", (c) => c.notNull())
      .addColumn("test_index", "integer", (c) => c.notNull())
      .addColumn("repeat", "integer", (c) => c.notNull())
      .addColumn("holdout", "integer", (c) => c.notNull())
      .addColumn("pass", "integer", (c) => c.notNull())
      .addColumn("score", "double precision", (c) => c.notNull())
      .addColumn("result_json", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("eval_results_pk", ["run_id", "cell"])
      .execute();
    await db.schema
      .createTable("eval_cache")
      .addColumn("key", "text", (c) => c.primaryKey())
      .addColumn("provider_id", "text", (c) => c.notNull())
      .addColumn("response_json", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable("eval_cache").execute();
    await db.schema.dropTable("eval_results").execute();
    await db.schema.dropTable("eval_runs").execute();
  },
};
