// Indexes for the dashboard's Traces page: the request log is paged newest first by id (a ULID,
// so id order is time order) while filtered by model, status, key or resolved version. With
// (column, id) indexes each filtered page is an index range scan, not a scan of the whole log.
import type { Kysely, Migration } from "kysely";

const INDEXES: Array<[name: string, column: string]> = [
  ["requests_model_id_idx", "model"],
  ["requests_status_id_idx", "status"],
  ["requests_key_id_idx", "key_id"],
  ["requests_version_id_idx", "model_version"],
];

export const dashboard: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const [name, column] of INDEXES) {
      await db.schema.createIndex(name).ifNotExists().on("requests").columns([column, "id"]).execute();
    }
  },
  async down(db: Kysely<unknown>): Promise<void> {
    for (const [name] of INDEXES) await db.schema.dropIndex(name).ifExists().execute();
  },
};
