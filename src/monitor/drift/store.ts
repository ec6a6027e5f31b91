// Storing feature rows and drift checks in the metadata store (tables of migration 0008).
import { insertMany } from "../../store/metadata/insert-many.js";
import type { MetadataStore } from "../../store/metadata/types.js";
import { type DriftReport, runDriftCheck } from "./check.js";
import type { DriftConfig } from "./config.js";
import { extractFeatures, type FeatureInput, type FeatureRow } from "./features.js";

export async function insertFeatures(store: MetadataStore, rows: FeatureRow[]): Promise<void> {
  if (rows.length === 0) return;
  await insertMany(store.db, "monitor_features", rows);
}

/** Computes the features of a batch of requests (the text is dropped here) and stores the rows. */
export async function storeFeatures(store: MetadataStore, inputs: readonly FeatureInput[]): Promise<void> {
  await insertFeatures(store, inputs.map(extractFeatures));
}

/** Runs the drift check for the windows ending at `now` and saves it (keeping config.keep_checks). */
export async function checkAndSaveDrift(store: MetadataStore, config: DriftConfig, now: Date): Promise<DriftReport> {
  const report = await runDriftCheck(store, config, now);
  await saveDriftCheck(store, report, config.keep_checks);
  return report;
}

/** Saves a check and deletes the oldest beyond `keep`, in one transaction. */
export async function saveDriftCheck(store: MetadataStore, report: DriftReport, keep: number): Promise<void> {
  await store.db.transaction().execute(async (tx) => {
    await tx
      .insertInto("drift_checks")
      .values({
        id: report.id,
        at: report.at,
        reference_from: report.reference.from,
        reference_to: report.reference.to,
        current_from: report.current.from,
        current_to: report.current.to,
        reference_n: report.reference.n,
        current_n: report.current.n,
        drifted: report.drifted ? 1 : 0,
        features_json: JSON.stringify(report.features),
      })
      .execute();
    const cutoff = await tx
      .selectFrom("drift_checks")
      .select("id")
      .orderBy("id", "desc")
      .offset(keep)
      .limit(1)
      .executeTakeFirst();
    if (cutoff !== undefined) await tx.deleteFrom("drift_checks").where("id", "<=", cutoff.id).execute();
  });
}

/** Newest first. */
export async function driftHistory(store: MetadataStore, limit: number): Promise<DriftReport[]> {
  const rows = await store.db.selectFrom("drift_checks").selectAll().orderBy("id", "desc").limit(limit).execute();
  return rows.map((row) => ({
    id: row.id,
    at: row.at,
    reference: { from: row.reference_from, to: row.reference_to, n: Number(row.reference_n) },
    current: { from: row.current_from, to: row.current_to, n: Number(row.current_n) },
    drifted: Number(row.drifted) === 1,
    features: JSON.parse(row.features_json) as DriftReport["features"],
  }));
}
