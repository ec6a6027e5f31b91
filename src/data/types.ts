// The shapes a dataset user sees: rows, versions, schemas and lineage.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** One record of a dataset: a JSON object. Steps may rewrite it in place. */
export type Row = { [key: string]: JsonValue };

/** Where a row lives inside a version: shard number and index within that shard (both from 0). */
export interface RowAddress {
  shard: number;
  index: number;
}

export interface AddressedRow extends RowAddress {
  row: Row;
}

export type FieldType = "string" | "integer" | "number" | "boolean" | "array" | "object";

export interface FieldSchema {
  /** Every JSON type seen in this field's non-null values, sorted. */
  types: FieldType[];
  /** True when some row lacks the field or holds null. */
  nullable: boolean;
  /** Rows holding a non-null value. */
  present: number;
  nulls: number;
  missing: number;
}

export interface DatasetSchema {
  fields: Record<string, FieldSchema>;
  /** More distinct field names than the inference tracks; the rest are not listed. */
  truncated?: boolean;
}

export interface ShardInfo {
  shard: number;
  artifactHash: string;
  encoding: string;
  firstRow: number;
  rowCount: number;
  bytes: number;
  storedBytes: number;
}

/** A source file of an ingest, as lineage records it. */
export interface SourceFile {
  file: string;
  path: string;
  format: string;
  sha256: string;
  bytes: number;
  rows: number;
}

/** Per-step accounting of a pipeline run, kept in the output version's lineage. */
export interface StepReport {
  step: string;
  options: Record<string, JsonValue>;
  rowsIn: number;
  rowsOut: number;
  /** Rows dropped, counted by reason (e.g. `near_duplicate`, `language:fr`). */
  dropped: Record<string, number>;
  seconds: number;
  stats: Record<string, JsonValue>;
}

export interface DatasetLineage {
  /** Ingest: the files read, in order. */
  sources?: SourceFile[];
  /** Pipeline: the version it read. */
  input?: { ref: string; id: string; contentHash: string };
  pipeline?: { name: string | null; sha256: string; yaml: string };
  steps?: StepReport[];
  [key: string]: unknown;
}

export interface DatasetVersion {
  id: string;
  name: string;
  version: number;
  /** `name@version`. */
  ref: string;
  contentHash: string;
  rowCount: number;
  bytes: number;
  storedBytes: number;
  shardCount: number;
  textField: string | null;
  schema: DatasetSchema;
  lineage: DatasetLineage;
  stats: Record<string, JsonValue>;
  description: string | null;
  createdAt: string;
  createdBy: string;
  /** Shards sealed at rest (src/data/crypto): reading needs the master key and, over the API, datasets:decrypt. */
  encrypted: boolean;
  /** The data key that seals the shards; null when they are plaintext. */
  encryptionKeyId: string | null;
  /** Set when erasure removed this version's rows (src/data/erase); its metadata stays. */
  erasedAt: string | null;
  /** The tombstone of that erasure. */
  erasureId: string | null;
}

export interface DatasetVersionDetail extends DatasetVersion {
  shards: ShardInfo[];
}

export interface DatasetInfo {
  name: string;
  description: string | null;
  createdAt: string;
  createdBy: string;
  latestVersion: number;
  versionCount: number;
}
