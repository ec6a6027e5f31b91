// The writes and checks that `llmops gateway` / `llmops up` keep off the request path: the request
// log, the audit chain, drift feature rows, captured bodies and the drift check. Each job is a
// plain function of the metadata store and a structured-cloneable payload, so the same table runs
// in this thread (inlineJobs: tests, in-memory databases, CLI commands) or in the writer thread
// (thread.ts), where SQLite's synchronous calls, fsyncs, hashing and feature extraction cannot
// stall a request.
import { type CaptureBatch, storeCaptures } from "../../monitor/bodies.js";
import type { DriftReport } from "../../monitor/drift/check.js";
import type { DriftConfig } from "../../monitor/drift/config.js";
import type { FeatureInput } from "../../monitor/drift/features.js";
import { checkAndSaveDrift, storeFeatures } from "../../monitor/drift/store.js";
import { insertRequests } from "../../monitor/requests.js";
import { type AuditEntry, appendAuditEntries } from "../../security/audit.js";
import type { MetadataStore } from "../../store/metadata/types.js";
import type { NewRequest } from "../../store/schema.js";

export const jobs = {
  requests: (store: MetadataStore, rows: NewRequest[]): Promise<void> => insertRequests(store, rows),
  audit: (store: MetadataStore, entries: AuditEntry[]): Promise<void> => appendAuditEntries(store, entries),
  features: (store: MetadataStore, inputs: FeatureInput[]): Promise<void> => storeFeatures(store, inputs),
  captures: (store: MetadataStore, batch: CaptureBatch): Promise<void> => storeCaptures(store, batch),
  "drift-check": (store: MetadataStore, input: { config: DriftConfig; at: Date }): Promise<DriftReport> =>
    checkAndSaveDrift(store, input.config, input.at),
};

export type JobName = keyof typeof jobs;
export type JobPayload<N extends JobName> = Parameters<(typeof jobs)[N]>[1];
export type JobResult<N extends JobName> = Awaited<ReturnType<(typeof jobs)[N]>>;

export interface JobRunner {
  /** Where jobs run: "thread" (the writer thread) or "inline" (this thread, on the platform's store). */
  readonly where: "thread" | "inline";
  run<N extends JobName>(name: N, payload: JobPayload<N>): Promise<JobResult<N>>;
  /** Waits for jobs already started, then releases the thread (the store stays the platform's). */
  close(): Promise<void>;
}

/** Runs a job by name; the one dispatch both runners share. */
export function runJob<N extends JobName>(
  store: MetadataStore,
  name: N,
  payload: JobPayload<N>,
): Promise<JobResult<N>> {
  const job = jobs[name] as (store: MetadataStore, payload: JobPayload<N>) => Promise<JobResult<N>>;
  return job(store, payload);
}

export function inlineJobs(store: MetadataStore): JobRunner {
  const running = new Set<Promise<unknown>>();
  return {
    where: "inline",
    run(name, payload) {
      const job = runJob(store, name, payload);
      const settled = job.catch(() => {});
      running.add(settled);
      void settled.finally(() => running.delete(settled));
      return job;
    },
    async close() {
      await Promise.all(running);
    },
  };
}
