// Table types of the metadata store, shared by the SQLite and PostgreSQL dialects. Portable types
// only: text (ISO-8601 UTC times, JSON documents, ULIDs), integer, double precision. JSON columns
// are text so both engines behave the same; decode them with zod where they are read.
import type { ColumnType, Insertable, Selectable, Updateable } from "kysely";

export interface ModelsTable {
  name: string; // primary key; [a-z0-9][a-z0-9._-]*
  description: string | null;
  created_at: string;
  created_by: string;
}

export interface ModelVersionsTable {
  id: string; // ULID
  model_name: string;
  version: number; // 1, 2, … per model; unique with model_name
  artifact_hash: string; // sha256 hex of the GGUF file in the artifact store
  size_bytes: number;
  format: string; // "gguf"
  architecture: string | null;
  parameter_count: number | null;
  quantization: string | null; // e.g. "Q8_0", "F16", "MOSTLY_Q4_0"
  context_length: number | null;
  vocab_size: number | null;
  metadata_json: string; // summary of the file's own metadata (name, heads, layers, chat template, …)
  lineage_json: string; // { runId?, datasetVersions?, parent?, gitCommit?, sourceFile?, … }
  tags_json: string; // { key: value }
  description: string | null;
  created_at: string;
  created_by: string;
}

export interface ModelAliasesTable {
  model_name: string;
  alias: string;
  version: number;
  updated_at: string;
  updated_by: string;
}

/** Every move of an alias, append-only: who moved it, when, from which version to which. */
export interface AliasEventsTable {
  id: string; // ULID (sortable by time)
  model_name: string;
  alias: string;
  kind: string; // "set" | "rollback" | "delete": rollbacks pop the alias's history instead of pushing
  from_version: number | null; // null when the alias was created
  to_version: number | null; // null when the alias was deleted
  actor: string;
  reason: string | null;
  at: string;
}

export interface ApiKeysTable {
  id: string; // ULID; also the public part of the key
  name: string;
  role: string; // admin | developer | viewer | service
  key_hash: string; // scrypt(secret, salt), hex
  key_salt: string; // hex
  key_prefix: string; // first characters of the key, for display
  created_at: string;
  created_by: string;
  revoked_at: string | null;
  last_used_at: string | null;
  // Added by 0009 (optional so rows written by older code and fixtures still type-check):
  models_json?: string | null; // JSON array of allowed models; null = all
  expires_at?: string | null; // null = never
  team?: string | null;
}

/** One row per gateway request (never the prompt itself). */
export interface RequestsTable {
  id: string; // ULID
  at: string;
  key_id: string | null;
  route: string; // e.g. /v1/chat/completions
  model: string | null; // as the client asked for it
  model_version: string | null; // resolved "name@version", or the upstream's name
  upstream: string | null; // worker URL or upstream name
  status: number;
  error_code: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  latency_ms: number;
  ttft_ms: number | null;
  stream: ColumnType<number, number, number>; // 0/1 (portable boolean)
}

/** Live model servers; workers register on start and heartbeat, the gateway routes to fresh rows. */
export interface WorkersTable {
  id: string;
  url: string;
  model_name: string | null; // null when it serves a plain file
  model_version: number | null;
  artifact_hash: string;
  pid: number | null;
  started_at: string;
  heartbeat_at: string;
}

/** A named dataset; its content lives in immutable numbered versions. */
export interface DatasetsTable {
  name: string; // primary key; same rules as model names
  description: string | null;
  created_at: string;
  created_by: string;
}

/**
 * One immutable dataset version (`name@N`). Rows live in gzip'd JSONL shards in the artifact
 * store (see DatasetShardsTable); this row is written last, in the same transaction as its shards,
 * so a version either exists completely or not at all.
 */
export interface DatasetVersionsTable {
  id: string; // ULID
  dataset_name: string;
  version: number; // 1, 2, … per dataset; unique with dataset_name
  content_hash: string; // sha256 of the rows as JSONL (one JSON.stringify per line), independent of sharding and compression
  row_count: number;
  bytes: number; // uncompressed JSONL bytes
  stored_bytes: number; // sum of the shard artifacts' sizes
  shard_count: number;
  text_field: string | null; // the field that holds the main text, when known
  schema_json: string; // inferred { fields: { name: { types, nullable, … } } }
  lineage_json: string; // sources (ingest) or input version + pipeline + per-step stats
  stats_json: string;
  description: string | null;
  created_at: string;
  created_by: string;
  // Added by migration 0005 (nullable, so writers that predate it need not set them):
  encryption_key_id: ColumnType<string | null, string | null | undefined, string | null>; // data key sealing the shards; null: plaintext
  erased_at: ColumnType<string | null, string | null | undefined, string | null>; // set when erasure removed the rows
  erasure_id: ColumnType<string | null, string | null | undefined, string | null>; // the tombstone of that erasure
}

/** The shards of a version, in order; a row is addressed by (shard, index within the shard). */
export interface DatasetShardsTable {
  version_id: string;
  shard: number; // 0, 1, …
  artifact_hash: string; // sha256 of the stored bytes
  encoding: string; // how the stored bytes decode to JSONL: "jsonl.gz" (encryption at rest adds its own)
  first_row: number; // index of the shard's first row within the version
  row_count: number;
  bytes: number; // uncompressed JSONL bytes
  stored_bytes: number;
}

/** A dataset's data key, wrapped by the master key (src/data/crypto); one per dataset. */
export interface DatasetKeysTable {
  dataset_name: string;
  key_id: string; // ULID; versions name it in encryption_key_id
  master_key_id: string; // fingerprint of the master key that wrapped it
  wrapped_key: string; // base64(iv ‖ ciphertext ‖ tag)
  algorithm: string; // "aes-256-gcm"
  created_at: string;
  created_by: string;
  rotated_at: string | null;
}

/** One erasure request (src/data/erase): never the matched value, only a keyed hash of it. */
export interface DatasetTombstonesTable {
  id: string; // ULID
  at: string;
  actor: string;
  reason: string;
  match_kind: string; // "field" | "text"
  match_field: string | null;
  match_hash: string;
  rows_removed: number;
  versions_json: string; // [{ erased, replacement, rowsRemoved }]
  models_json: string; // model versions trained on affected data
}

/** One entry of the hash-chained audit trail (see src/security/audit.ts). */
export interface AuditEventsTable {
  seq: number; // 1, 2, … gap-free
  id: string; // ULID
  at: string;
  actor: string;
  action: string; // e.g. model.register, alias.set, alias.rollback, key.create, key.revoke
  target: string; // e.g. model:tiny@3, key:01J…
  details_json: string;
  prev_hash: string;
  hash: string; // sha256(prev_hash + canonical JSON of the entry)
}

/** The chain's tip: one row (id = 1). */
export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
  base_seq: number; // 0009: entries up to here were pruned by retention
  base_hash: string; // 0009: hash of entry base_seq (the first kept entry's prev_hash)
}

/** A training run: the built-in trainer's or an external trainer's (HTTP API). */
export interface RunsTable {
  id: string; // ULID
  name: string | null;
  status: string; // running | completed | failed | stopped | diverged
  source: string; // "builtin" | "external"
  params_json: string; // model + optimiser + data settings (the recipe)
  dataset_json: string; // { hash, file?, datasetVersion?, tokens? }
  tokenizer_hash: string | null; // sha256 of the tokenizer file
  git_commit: string | null;
  env_json: string; // { node, platform, arch, cpus, cpuModel, backend? }
  summary_json: string; // latest/final numbers (loss, val loss, tokens/s, …)
  created_at: string;
  created_by: string;
  updated_at: string;
  finished_at: string | null;
}

/** An evaluation run (`llmops eval`): immutable once finished. */
export interface EvalRunsTable {
  id: string; // ULID
  suite_name: string;
  suite_hash: string; // sha256 of the suite snapshot
  suite_json: string; // the suite as run (resume re-expands it)
  candidate: string; // provider as the user named it
  candidate_id: string; // resolved identity, e.g. llmops:tiny@3
  baseline: string | null;
  baseline_id: string | null;
  model_name: string | null; // the candidate's registered model (for promotion checks)
  model_version: number | null;
  options_json: string; // repeat, concurrency, gate, cache…
  fingerprint: string; // same suite + providers + options = same fingerprint (automatic resume)
  status: string; // running | completed | failed
  gated: number; // 1 when run with --gate
  gate_pass: number | null; // 1/0 once finished
  summary_json: string | null;
  total_cells: number;
  pid: number | null;
  host: string | null;
  created_at: string;
  created_by: string;
  finished_at: string | null;
}

/** One finished call of an eval run: test × prompt × repeat × role. */
export interface EvalResultsTable {
  run_id: string;
  cell: string; // role:caseId:repeat
  role: string; // candidate | baseline
  case_id: string;
  test_index: number;
  repeat: number;
  holdout: number;
  pass: number;
  score: number;
  result_json: string;
  created_at: string;
}

/** Cached model responses keyed by sha256(provider identity + request). */
export interface EvalCacheTable {
  key: string;
  provider_id: string;
  response_json: string;
  created_at: string;
}

/** One metric value at one step; split is "train" or "eval"; value null stands for NaN. */
export interface RunMetricsTable {
  run_id: string;
  split: string;
  step: number;
  name: string; // loss, perplexity, lr, grad_norm, tokens_per_s, accuracy, …
  value: number | null;
  at: string;
}

/** Something that happened during a run: divergence, plateau, overfitting, early stop, checkpoint. */
export interface RunEventsTable {
  id: string; // ULID (time-ordered)
  run_id: string;
  step: number | null;
  kind: string;
  severity: string; // info | warning | error
  message: string;
  details_json: string;
  at: string;
}

/** A rollout of an alias (migration 0007): canary split, shadow or blue/green, with its SLO. */
export interface RolloutsTable {
  id: string;
  model_name: string;
  alias: string;
  kind: string; // canary | shadow | blue-green
  stable_version: number;
  candidate_version: number;
  percent: number;
  slo_json: string;
  state: string; // active | promoted | rolled_back | aborted
  reason: string | null;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
  ended_at: string | null;
  ended_by: string | null;
  end_reason: string | null;
  evidence_json: string | null;
}

/** One shadowed request: the primary's answer beside the candidate's (migration 0007). */
export interface RolloutShadowSamplesTable {
  id: string;
  rollout_id: string;
  request_id: string;
  at: string;
  route: string;
  primary_version: string;
  primary_status: number;
  primary_latency_ms: number;
  primary_output: string | null;
  candidate_version: string;
  candidate_status: number | null;
  candidate_latency_ms: number | null;
  candidate_output: string | null;
  candidate_error: string | null;
}

/** Drift monitoring: one row per gateway request, features only (migration 0008). */
export interface MonitorFeaturesTable {
  id: string;
  at: string;
  model: string | null;
  status: number;
  prompt_chars: number;
  prompt_tokens: number | null;
  lang: string;
  token_buckets: string;
  output_chars: number | null;
  output_tokens: number | null;
  refusal: number | null;
  embedding: string | null;
}

/** One scheduled drift check (migration 0008). */
export interface DriftChecksTable {
  id: string;
  at: string;
  reference_from: string;
  reference_to: string;
  current_from: string;
  current_to: string;
  reference_n: number;
  current_n: number;
  drifted: number;
  features_json: string;
}

/** A captured prompt and answer, redacted and truncated (migration 0011; opt-in `capture:`). */
export interface RequestBodiesTable {
  request_id: string;
  at: string;
  prompt: string | null;
  response: string | null;
  redaction: string; // pii-mask | none
}

export interface Database {
  models: ModelsTable;
  model_versions: ModelVersionsTable;
  model_aliases: ModelAliasesTable;
  alias_events: AliasEventsTable;
  api_keys: ApiKeysTable;
  requests: RequestsTable;
  workers: WorkersTable;
  datasets: DatasetsTable;
  dataset_versions: DatasetVersionsTable;
  dataset_shards: DatasetShardsTable;
  dataset_keys: DatasetKeysTable;
  dataset_tombstones: DatasetTombstonesTable;
  audit_events: AuditEventsTable;
  audit_head: AuditHeadTable;
  runs: RunsTable;
  run_metrics: RunMetricsTable;
  run_events: RunEventsTable;
  eval_runs: EvalRunsTable;
  eval_results: EvalResultsTable;
  eval_cache: EvalCacheTable;
  rollouts: RolloutsTable;
  rollout_shadow_samples: RolloutShadowSamplesTable;
  monitor_features: MonitorFeaturesTable;
  drift_checks: DriftChecksTable;
  request_bodies: RequestBodiesTable;
}

export type ModelRow = Selectable<ModelsTable>;
export type ModelVersionRow = Selectable<ModelVersionsTable>;
export type NewModelVersion = Insertable<ModelVersionsTable>;
export type ModelAliasRow = Selectable<ModelAliasesTable>;
export type AliasEventRow = Selectable<AliasEventsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type ApiKeyUpdate = Updateable<ApiKeysTable>;
export type RequestRow = Selectable<RequestsTable>;
export type NewRequest = Insertable<RequestsTable>;
export type WorkerRow = Selectable<WorkersTable>;
export type RolloutRow = Selectable<RolloutsTable>;
export type RolloutShadowSampleRow = Selectable<RolloutShadowSamplesTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type DatasetRow = Selectable<DatasetsTable>;
export type DatasetVersionRow = Selectable<DatasetVersionsTable>;
export type DatasetShardRow = Selectable<DatasetShardsTable>;
