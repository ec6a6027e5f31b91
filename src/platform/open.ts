// The composition root: turns a Config into the opened stores and domain services that the CLI,
// the control-plane API and `llmops up` share. Nothing here knows about HTTP or the terminal.
import { mkdir } from "node:fs/promises";
import type { Config } from "../config/index.js";
import { DatasetKeyring } from "../data/crypto/keyring.js";
import { DatasetStore } from "../data/datasets.js";
import { ModelRegistry } from "../registry/index.js";
import { type AuditWriter, createAuditWriter } from "../security/audit-writer.js";
import { ApiKeys } from "../security/keys.js";
import { openArtifactStore } from "../store/artifacts/index.js";
import type { ArtifactStore } from "../store/artifacts/types.js";
import { openMetadataStore, parseDatabaseUrl } from "../store/metadata/index.js";
import type { MetadataStore } from "../store/metadata/types.js";
import { inlineJobs, type JobRunner } from "./background/jobs.js";
import { startJobThread } from "./background/thread.js";

export interface Platform {
  config: Config;
  store: MetadataStore;
  artifacts: ArtifactStore;
  registry: ModelRegistry;
  keys: ApiKeys;
  /** Batched appends to the audit chain (gateway requests, API calls); closed with the platform. */
  audit: AuditWriter;
  /** Where the request log, audit batches, drift rows and checks are written (src/platform/background). */
  jobs: JobRunner;
  datasets: DatasetStore;
  close(): Promise<void>;
}

export interface OpenPlatformOptions {
  /**
   * Run background writes (request log, audit chain, drift features and checks, captures) in a
   * writer thread with its own database connection, off the event loop — what `llmops gateway` and
   * `llmops up` do. Ignored for an in-memory SQLite database, which another connection cannot see.
   */
  writerThread?: boolean;
}

export async function openPlatform(config: Config, options: OpenPlatformOptions = {}): Promise<Platform> {
  await mkdir(config.home, { recursive: true });
  const store = await openMetadataStore(config.database_url);
  try {
    const artifacts = await openArtifactStore(config.artifacts_url, {
      home: config.home,
      s3: {
        endpoint: config.s3.endpoint,
        region: config.s3.region,
        accessKeyId: config.s3.access_key_id,
        secretAccessKey: config.s3.secret_access_key,
        forcePathStyle: config.s3.force_path_style,
      },
    });
    const target = parseDatabaseUrl(config.database_url);
    const jobs =
      options.writerThread === true && !(target.kind === "sqlite" && target.path === ":memory:")
        ? startJobThread(config.database_url)
        : inlineJobs(store);
    const audit = createAuditWriter(store, {
      maxBatch: config.audit?.batch_size,
      flushMs: config.audit?.flush_ms,
      append: (entries) => jobs.run("audit", entries),
    });
    return {
      config,
      store,
      artifacts,
      audit,
      jobs,
      registry: new ModelRegistry(store, artifacts),
      keys: new ApiKeys(store, { adminKey: config.admin_key }),
      // The master key is read from the environment only when an encrypted dataset is touched.
      datasets: new DatasetStore(store, artifacts, new DatasetKeyring(store)),
      close: async () => {
        await audit.close();
        await jobs.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
