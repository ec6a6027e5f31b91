// Live workers announce themselves in the metadata store and heartbeat; the gateway routes only
// to fresh rows. This is what lets workers and gateways scale out on separate machines (or pods)
// with nothing but the shared database between them.
import { ulid } from "ulid";
import type { MetadataStore } from "../store/metadata/types.js";
import type { WorkerRow } from "../store/schema.js";

export const HEARTBEAT_MS = 5_000;
/** A worker that missed three heartbeats is considered gone. */
export const WORKER_TTL_MS = 3 * HEARTBEAT_MS;

export interface WorkerAnnouncement {
  url: string; // base URL ending in /v1
  modelName: string | null;
  modelVersion: number | null;
  artifactHash: string;
}

export interface WorkerLease {
  id: string;
  stop(): Promise<void>;
}

export async function announceWorker(store: MetadataStore, worker: WorkerAnnouncement): Promise<WorkerLease> {
  const id = ulid();
  const now = new Date().toISOString();
  await store.db
    .insertInto("workers")
    .values({
      id,
      url: worker.url,
      model_name: worker.modelName,
      model_version: worker.modelVersion,
      artifact_hash: worker.artifactHash,
      pid: process.pid,
      started_at: now,
      heartbeat_at: now,
    })
    .execute();
  const timer = setInterval(() => {
    store.db
      .updateTable("workers")
      .set({ heartbeat_at: new Date().toISOString() })
      .where("id", "=", id)
      .execute()
      .catch(() => {}); // a missed beat is tolerated; three in a row take the worker out of rotation
  }, HEARTBEAT_MS);
  timer.unref();
  return {
    id,
    async stop() {
      clearInterval(timer);
      await store.db.deleteFrom("workers").where("id", "=", id).execute();
    },
  };
}

export async function liveWorkers(
  store: MetadataStore,
  filter: { modelName?: string; modelVersion?: number } = {},
): Promise<WorkerRow[]> {
  const freshSince = new Date(Date.now() - WORKER_TTL_MS).toISOString();
  let query = store.db.selectFrom("workers").selectAll().where("heartbeat_at", ">=", freshSince);
  if (filter.modelName !== undefined) query = query.where("model_name", "=", filter.modelName);
  if (filter.modelVersion !== undefined) query = query.where("model_version", "=", filter.modelVersion);
  return query.orderBy("id").execute();
}

/** Removes rows of workers that died without saying goodbye (kept a while for debugging). */
export async function pruneDeadWorkers(store: MetadataStore, olderThanMs = 10 * WORKER_TTL_MS): Promise<void> {
  const cutoff = new Date(Date.now() - olderThanMs).toISOString();
  await store.db.deleteFrom("workers").where("heartbeat_at", "<", cutoff).execute();
}
