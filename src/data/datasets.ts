// The dataset store: immutable numbered versions (`name@1`, `name@2`, …) whose rows live in gzip'd
// JSONL shards in the artifact store. A version is written shards first and metadata last, in one
// transaction, so a writer that fails or is killed leaves no version behind (at most unreferenced
// shard blobs, which no version points at).
import type { Transaction } from "kysely";
import { ulid } from "ulid";
import { invalidRequest, LlmopsError, notFound } from "../errors.js";
import { appendAudit } from "../security/audit.js";
import type { ArtifactStore } from "../store/artifacts/types.js";
import { isUniqueViolation } from "../store/metadata/errors.js";
import type { MetadataStore } from "../store/metadata/types.js";
import type { Database, DatasetShardRow, DatasetVersionRow } from "../store/schema.js";
import type { DatasetAccess, DatasetEncryption } from "./crypto/types.js";
import { assertDatasetName, formatDatasetRef, parseDatasetRef } from "./refs.js";
import { SchemaBuilder } from "./schema-infer.js";
import { readRows } from "./shards/reader.js";
import { ShardWriter, type ShardWriterOptions } from "./shards/writer.js";
import type {
  AddressedRow,
  DatasetInfo,
  DatasetLineage,
  DatasetSchema,
  DatasetVersion,
  DatasetVersionDetail,
  JsonValue,
  Row,
  RowAddress,
  ShardInfo,
} from "./types.js";

const MAX_COMMIT_RETRIES = 8;
export const MAX_PAGE = 1000;

export interface CommitOptions {
  name: string;
  actor: string;
  description?: string | undefined;
  textField?: string | null | undefined;
  lineage: DatasetLineage;
  stats?: Record<string, JsonValue> | undefined;
}

/** Streams rows into shards and infers the schema; `commit` then records the version atomically. */
export class VersionWriter {
  readonly schema = new SchemaBuilder();
  private readonly shards: ShardWriter;

  constructor(
    private readonly datasets: DatasetStore,
    artifacts: ArtifactStore,
    options: ShardWriterOptions,
    /** Sealed writers: the version id fixed up front (the shards' AAD names it) and the data key id. */
    private readonly sealed: { id: string; keyId: string } | null = null,
  ) {
    this.shards = new ShardWriter(artifacts, options);
  }

  get rows(): number {
    return this.shards.rows;
  }

  /** Where the next row written will live (shard, index). */
  nextAddress(): RowAddress {
    return this.shards.nextAddress();
  }

  write(row: Row): Promise<void> | undefined {
    this.schema.observe(row);
    return this.shards.write(row);
  }

  async commit(options: CommitOptions): Promise<DatasetVersion> {
    const written = await this.shards.finish();
    return this.datasets.recordVersion(options, {
      contentHash: written.contentHash,
      rowCount: written.rowCount,
      bytes: written.bytes,
      storedBytes: written.storedBytes,
      shards: written.shards,
      schema: this.schema.result(),
      ...(this.sealed ? { id: this.sealed.id, encryptionKeyId: this.sealed.keyId } : {}),
    });
  }

  abort(): Promise<void> {
    return this.shards.abort();
  }
}

interface WrittenVersion {
  contentHash: string;
  rowCount: number;
  bytes: number;
  storedBytes: number;
  shards: ShardInfo[];
  schema: DatasetSchema;
  /** Sealed versions: the id their shards are bound to, and their data key. */
  id?: string;
  encryptionKeyId?: string;
}

export class DatasetStore {
  constructor(
    readonly store: MetadataStore,
    readonly artifacts: ArtifactStore,
    /** Encryption at rest (src/data/crypto/keyring.ts); null: encrypted versions cannot be written or read. */
    public encryption: DatasetEncryption | null = null,
  ) {}

  openWriter(options: ShardWriterOptions = {}): VersionWriter {
    return new VersionWriter(this, this.artifacts, options);
  }

  /** A writer whose shards are encrypted at rest with dataset `name`'s data key. */
  async openSealedWriter(name: string, actor: string, options: ShardWriterOptions = {}): Promise<VersionWriter> {
    const id = ulid();
    const sealer = await this.requireEncryption().sealer(assertDatasetName(name), id, actor);
    const seal = { encoding: sealer.encoding, stream: (shard: number) => sealer.seal(shard) };
    return new VersionWriter(this, this.artifacts, { ...options, seal }, { id, keyId: sealer.keyId });
  }

  private requireEncryption(): DatasetEncryption {
    if (!this.encryption) {
      throw new LlmopsError("config_invalid", "Encryption at rest is not configured for this dataset store.");
    }
    return this.encryption;
  }

  /** Records a written version as `name@N+1` in one transaction (retrying when a concurrent writer took N+1). */
  async recordVersion(options: CommitOptions, written: WrittenVersion): Promise<DatasetVersion> {
    const name = assertDatasetName(options.name);
    const now = new Date().toISOString();
    for (let attempt = 1; ; attempt++) {
      try {
        const version = await this.store.db.transaction().execute(async (trx) => {
          await ensureDataset(trx, name, options, now);
          const latest = await trx
            .selectFrom("dataset_versions")
            .select((eb) => eb.fn.max("version").as("max"))
            .where("dataset_name", "=", name)
            .executeTakeFirst();
          const version = Number(latest?.max ?? 0) + 1;
          const id = written.id ?? ulid();
          await trx
            .insertInto("dataset_versions")
            .values({
              id,
              dataset_name: name,
              version,
              content_hash: written.contentHash,
              row_count: written.rowCount,
              bytes: written.bytes,
              stored_bytes: written.storedBytes,
              shard_count: written.shards.length,
              text_field: options.textField ?? null,
              schema_json: JSON.stringify(written.schema),
              lineage_json: JSON.stringify(options.lineage),
              stats_json: JSON.stringify(options.stats ?? {}),
              description: options.description ?? null,
              created_at: now,
              created_by: options.actor,
              encryption_key_id: written.encryptionKeyId ?? null,
            })
            .execute();
          if (written.encryptionKeyId) {
            // Every write of an encrypted dataset is audited, in the transaction that records it.
            await appendAudit(trx, {
              actor: options.actor,
              action: "dataset.encrypted_write",
              target: `dataset:${formatDatasetRef(name, version)}`,
              details: { keyId: written.encryptionKeyId, rows: written.rowCount, shards: written.shards.length },
            });
          }
          if (written.shards.length > 0) {
            await trx
              .insertInto("dataset_shards")
              .values(
                written.shards.map((s) => ({
                  version_id: id,
                  shard: s.shard,
                  artifact_hash: s.artifactHash,
                  encoding: s.encoding,
                  first_row: s.firstRow,
                  row_count: s.rowCount,
                  bytes: s.bytes,
                  stored_bytes: s.storedBytes,
                })),
              )
              .execute();
          }
          return version;
        });
        return await this.resolve(formatDatasetRef(name, version));
      } catch (error) {
        // A concurrent writer of the same dataset took this number (or created the dataset row): retry.
        if (attempt < MAX_COMMIT_RETRIES && isUniqueViolation(error)) {
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
          continue;
        }
        throw error;
      }
    }
  }

  async list(): Promise<DatasetInfo[]> {
    const datasets = await this.store.db.selectFrom("datasets").selectAll().orderBy("name").execute();
    const counts = await this.store.db
      .selectFrom("dataset_versions")
      .select(["dataset_name", (eb) => eb.fn.max("version").as("latest"), (eb) => eb.fn.countAll().as("count")])
      .groupBy("dataset_name")
      .execute();
    return datasets.map((d) => {
      const c = counts.find((x) => x.dataset_name === d.name);
      return {
        name: d.name,
        description: d.description,
        createdAt: d.created_at,
        createdBy: d.created_by,
        latestVersion: Number(c?.latest ?? 0),
        versionCount: Number(c?.count ?? 0),
      };
    });
  }

  async getDataset(name: string): Promise<DatasetInfo & { versions: DatasetVersion[] }> {
    assertDatasetName(name);
    const info = (await this.list()).find((d) => d.name === name);
    if (!info) throw datasetNotFound(name);
    const rows = await this.store.db
      .selectFrom("dataset_versions")
      .selectAll()
      .where("dataset_name", "=", name)
      .orderBy("version")
      .execute();
    return { ...info, versions: rows.map(toVersion) };
  }

  /** `name@3`, `name@latest` or `name` (latest). */
  async resolve(ref: string): Promise<DatasetVersion> {
    const parsed = parseDatasetRef(ref);
    let query = this.store.db.selectFrom("dataset_versions").selectAll().where("dataset_name", "=", parsed.name);
    query =
      parsed.version === null ? query.orderBy("version", "desc").limit(1) : query.where("version", "=", parsed.version);
    const row = await query.executeTakeFirst();
    if (row) return toVersion(row);
    const exists = await this.store.db
      .selectFrom("datasets")
      .select("name")
      .where("name", "=", parsed.name)
      .executeTakeFirst();
    if (!exists || parsed.version === null) throw datasetNotFound(parsed.name);
    throw notFound(
      `Dataset '${parsed.name}' has no version ${parsed.version}; see \`llmops data show ${parsed.name}\`.`,
      "dataset",
    );
  }

  /** A version with its shards. */
  async detail(ref: string): Promise<DatasetVersionDetail> {
    const version = await this.resolve(ref);
    return { ...version, shards: await this.shards(version) };
  }

  async shards(version: Pick<DatasetVersion, "id">): Promise<ShardInfo[]> {
    const rows = await this.store.db
      .selectFrom("dataset_shards")
      .selectAll()
      .where("version_id", "=", version.id)
      .orderBy("shard")
      .execute();
    return rows.map(toShard);
  }

  /**
   * Every row of a version, in order, in batches (streaming: memory holds one batch). Reading an
   * encrypted version checks `access`, needs the master key and is audited; an erased one refuses.
   */
  async *iterate(
    version: Pick<DatasetVersion, "id"> & Partial<DatasetVersion>,
    offset = 0,
    access?: DatasetAccess,
  ): AsyncGenerator<AddressedRow[]> {
    const full = version.ref === undefined ? await this.byId(version.id) : (version as DatasetVersion);
    if (full.erasedAt) throw erased(full);
    const unsealer = full.encryptionKeyId ? await this.requireEncryption().unsealer(full, access) : undefined;
    yield* readRows(this.artifacts, await this.shards(version), offset, unsealer);
  }

  private async byId(id: string): Promise<DatasetVersion> {
    const row = await this.store.db.selectFrom("dataset_versions").selectAll().where("id", "=", id).executeTakeFirst();
    if (!row) throw notFound(`No dataset version has id ${id}.`, "dataset");
    return toVersion(row);
  }

  /** One page of rows from global row `offset` (0-based), at most `limit` (≤ 1000). */
  async page(version: DatasetVersion, offset: number, limit: number, access?: DatasetAccess): Promise<AddressedRow[]> {
    if (!Number.isSafeInteger(offset) || offset < 0)
      throw invalidRequest("offset must be a whole number ≥ 0.", "offset");
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw invalidRequest(`limit must be from 1 to ${MAX_PAGE}.`, "limit");
    }
    const out: AddressedRow[] = [];
    if (version.erasedAt) throw erased(version);
    if (offset >= version.rowCount) return out;
    const batches = this.iterate(version, offset, access);
    try {
      for await (const batch of batches) {
        for (const row of batch) {
          out.push(row);
          if (out.length >= limit) return out;
        }
      }
    } finally {
      await batches.return(undefined);
    }
    return out;
  }

  /** The row at a shard address. */
  async row(version: DatasetVersion, shard: number, index: number, access?: DatasetAccess): Promise<AddressedRow> {
    const shards = await this.shards(version);
    const info = shards.find((s) => s.shard === shard);
    if (!info || !Number.isSafeInteger(index) || index < 0 || index >= info.rowCount) {
      throw notFound(`${version.ref} has no row ${shard}:${index}.`, "row");
    }
    const [row] = await this.page(version, info.firstRow + index, 1, access);
    return row!;
  }
}

async function ensureDataset(
  trx: Transaction<Database>,
  name: string,
  options: CommitOptions,
  now: string,
): Promise<void> {
  const existing = await trx.selectFrom("datasets").select("name").where("name", "=", name).executeTakeFirst();
  if (existing) return;
  await trx
    .insertInto("datasets")
    .values({ name, description: options.description ?? null, created_at: now, created_by: options.actor })
    .execute();
}

function erased(version: DatasetVersion): LlmopsError {
  return new LlmopsError(
    "not_found",
    `${version.ref} was erased on ${version.erasedAt} (tombstone ${version.erasureId}); its rows are gone. Use a later version.`,
    { param: "dataset" },
  );
}

function datasetNotFound(name: string) {
  return notFound(`Dataset '${name}' does not exist; see \`llmops data list\`.`, "dataset");
}

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function toVersion(row: DatasetVersionRow): DatasetVersion {
  return {
    id: row.id,
    name: row.dataset_name,
    version: row.version,
    ref: formatDatasetRef(row.dataset_name, row.version),
    contentHash: row.content_hash,
    rowCount: Number(row.row_count),
    bytes: Number(row.bytes),
    storedBytes: Number(row.stored_bytes),
    shardCount: row.shard_count,
    textField: row.text_field,
    schema: parseJson<DatasetSchema>(row.schema_json, { fields: {} }),
    lineage: parseJson<DatasetLineage>(row.lineage_json, {}),
    stats: parseJson<Record<string, JsonValue>>(row.stats_json, {}),
    description: row.description,
    createdAt: row.created_at,
    createdBy: row.created_by,
    encrypted: row.encryption_key_id != null,
    encryptionKeyId: row.encryption_key_id ?? null,
    erasedAt: row.erased_at ?? null,
    erasureId: row.erasure_id ?? null,
  };
}

function toShard(row: DatasetShardRow): ShardInfo {
  return {
    shard: row.shard,
    artifactHash: row.artifact_hash,
    encoding: row.encoding,
    firstRow: Number(row.first_row),
    rowCount: Number(row.row_count),
    bytes: Number(row.bytes),
    storedBytes: Number(row.stored_bytes),
  };
}
