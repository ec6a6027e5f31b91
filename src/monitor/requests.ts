// Reading the request log the gateway writes (one row per request, never the prompt).
import { z } from "zod";
import { insertMany } from "../store/metadata/insert-many.js";
import type { MetadataStore } from "../store/metadata/types.js";
import type { NewRequest, RequestRow } from "../store/schema.js";
import { parseOrThrow } from "../validation.js";

export const requestQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  model: z.string().min(1).optional(),
  status: z.coerce.number().int().min(100).max(599).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  keyId: z.string().optional(),
});

export type RequestQuery = z.input<typeof requestQuerySchema>;

export async function listRequests(store: MetadataStore, query: RequestQuery): Promise<RequestRow[]> {
  const q = parseOrThrow(requestQuerySchema, query, "query");
  let select = store.db.selectFrom("requests").selectAll().orderBy("id", "desc").limit(q.limit);
  if (q.model) select = select.where("model", "=", q.model);
  if (q.status) select = select.where("status", "=", q.status);
  if (q.since) select = select.where("at", ">=", new Date(q.since).toISOString());
  if (q.keyId) select = select.where("key_id", "=", q.keyId);
  return select.execute();
}

export async function insertRequests(store: MetadataStore, rows: NewRequest[]): Promise<void> {
  if (rows.length === 0) return;
  await insertMany(store.db, "requests", rows);
}
