// Every migration, in order. Names sort lexically (Kysely runs them sorted), so keep the
// zero-padded prefix. Add a migration: write NNNN_what.ts exporting a Migration, add one line here.
// Never edit or rename a migration that has shipped; write a new one.
import type { Migration } from "kysely";
import { initial } from "./0001_initial.js";
import { datasets } from "./0002_datasets.js";
import { audit } from "./0003_audit.js";
import { runs } from "./0004_runs.js";
import { datasetProtection } from "./0005_dataset_protection.js";
import { evals } from "./0006_evals.js";
import { rollouts } from "./0007_rollouts.js";
import { monitor } from "./0008_monitor.js";
import { security } from "./0009_security.js";
import { dashboard } from "./0010_dashboard.js";
import { requestBodies } from "./0011_request_bodies.js";

export const migrations: Readonly<Record<string, Migration>> = {
  "0001_initial": initial,
  "0002_datasets": datasets,
  "0003_audit": audit,
  "0004_runs": runs,
  "0005_dataset_protection": datasetProtection,
  "0006_evals": evals,
  "0007_rollouts": rollouts,
  "0008_monitor": monitor,
  "0009_security": security,
  "0010_dashboard": dashboard,
  "0011_request_bodies": requestBodies,
};
