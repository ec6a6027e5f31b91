// Erasure for GDPR / PIPL requests. `eraseRows` finds every live dataset version holding a row
// that matches (a field equal to a value, or a value anywhere in the row's text), writes a new
// version of each without those rows (lineage: erased-from version, reason, tombstone id), marks
// the old versions erased (metadata stays; rows become unreadable), deletes their shard artifacts
// unless a live version still shares one, keeps a tombstone (who, when, why, a hash of the value —
// never the value) in the audit trail, and reports the model versions and training runs that used
// affected data, through model lineage (`datasetVersions`, `runId`) and runs' dataset references.
//
// Order of work: new versions first, then one transaction (tombstone + erased marks + audit), then
// the artifact deletions. A crash before the transaction leaves extra versions and nothing erased
// (rerun); a crash after it leaves at worst unreferenced blobs, never readable erased rows
// through llmops.
import { createHash, createHmac } from "node:crypto";
import { ulid } from "ulid";
import { invalidRequest } from "../errors.js";
import { appendAudit } from "../security/audit.js";
import type { DatasetStore } from "./datasets.js";
import type { DatasetVersion, JsonValue, Row } from "./types.js";

export type EraseMatch = { kind: "field"; field: string; value: string } | { kind: "text"; value: string };

export interface EraseInput {
  match: EraseMatch;
  reason: string;
  actor: string;
  dryRun?: boolean | undefined;
  /**
   * Keys the tombstone's match hash (HMAC-SHA256; the CLI passes the master key when one is set),
   * so a guessed e-mail or phone number cannot be confirmed from the tombstone without the key.
   */
  hashKey?: Buffer | undefined;
  /** Shard size of the replacement versions (default: the store's default). */
  shardBytes?: number | undefined;
}

export interface ErasedVersion {
  ref: string;
  id: string;
  rows: number;
  rowsRemoved: number;
  encrypted: boolean;
  /** The replacement version (null on a dry run). */
  replacement: string | null;
}

export interface AffectedModel {
  model: string;
  version: number;
  ref: string;
  /** The affected dataset versions it was trained on, and how that is known. */
  datasets: string[];
  via: Array<"lineage" | "run">;
  runId: string | null;
}

export interface EraseResult {
  dryRun: boolean;
  tombstoneId: string | null;
  matchHash: string;
  rowsRemoved: number;
  versions: ErasedVersion[];
  /** Shard artifacts deleted, and those kept because a live version still uses them. */
  deletedArtifacts: string[];
  keptSharedArtifacts: string[];
  models: AffectedModel[];
  runs: Array<{ id: string; name: string | null; dataset: string }>;
}

/** Parses `FIELD=VALUE` (the first '=' splits; dotted fields reach into objects). */
export function parseFieldMatch(text: string): EraseMatch {
  const eq = text.indexOf("=");
  if (eq <= 0 || eq === text.length - 1) {
    throw invalidRequest(`--match takes FIELD=VALUE (e.g. email=a@b.com), not '${text}'.`, "--match");
  }
  return { kind: "field", field: text.slice(0, eq), value: text.slice(eq + 1) };
}

/**
 * A hash of what was matched, kept in the tombstone so a request can be shown done without storing
 * the value: `hmac-sha256:…` under `key` when given, else `sha256:…` (guessable for short values).
 */
export function matchHash(match: EraseMatch, key?: Buffer): string {
  const field = match.kind === "field" ? match.field : "";
  const text = `llmops-erasure\0${match.kind}\0${field}\0${match.value}`;
  if (key) return `hmac-sha256:${createHmac("sha256", key).update(text).digest("hex")}`;
  return `sha256:${createHash("sha256").update(text).digest("hex")}`;
}

/** The row matcher: a field equal to the value (strings, numbers, booleans; any element of an array), or the value in any string. */
export function rowMatcher(match: EraseMatch): (row: Row) => boolean {
  if (match.value.length === 0) throw invalidRequest("The value to erase must not be empty.", "value");
  if (match.kind === "field") {
    const path = match.field.split(".");
    const equals = (v: JsonValue | undefined): boolean => {
      if (Array.isArray(v)) return v.some(equals);
      if (typeof v === "string") return v === match.value;
      if (typeof v === "number" || typeof v === "boolean") return String(v) === match.value;
      return false;
    };
    return (row) => {
      let v: JsonValue | undefined = row;
      for (const key of path) {
        if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
        v = v[key];
      }
      return equals(v);
    };
  }
  const contains = (v: JsonValue): boolean => {
    if (typeof v === "string") return v.includes(match.value);
    if (typeof v === "number" || typeof v === "boolean") return String(v) === match.value;
    if (Array.isArray(v)) return v.some(contains);
    if (v !== null && typeof v === "object") return Object.values(v).some(contains);
    return false;
  };
  return contains;
}

export async function eraseRows(datasets: DatasetStore, input: EraseInput): Promise<EraseResult> {
  const reason = input.reason.trim();
  if (reason.length === 0) throw invalidRequest("Say why with --reason (it is kept in the tombstone).", "--reason");
  const matches = rowMatcher(input.match);
  const hash = matchHash(input.match, input.hashKey);
  const db = datasets.store.db;
  const access = { actor: input.actor, purpose: "erase" };

  // Pass 1: which live versions hold matching rows, and how many.
  const live = await db
    .selectFrom("dataset_versions")
    .select(["dataset_name", "version"])
    .where("erased_at", "is", null)
    .orderBy("dataset_name")
    .orderBy("version")
    .execute();
  const affected: Array<{ version: DatasetVersion; removed: number }> = [];
  for (const { dataset_name, version } of live) {
    const v = await datasets.resolve(`${dataset_name}@${version}`);
    let removed = 0;
    for await (const batch of datasets.iterate(v, 0, access)) for (const r of batch) if (matches(r.row)) removed++;
    if (removed > 0) affected.push({ version: v, removed });
  }
  const refs = affected.map((a) => a.version.ref);
  const { models, runs } = await affectedModels(datasets, refs);
  const rowsRemoved = affected.reduce((sum, a) => sum + a.removed, 0);
  const base = { matchHash: hash, rowsRemoved, models, runs };
  if (input.dryRun || affected.length === 0) {
    return {
      ...base,
      dryRun: Boolean(input.dryRun),
      tombstoneId: null,
      versions: affected.map(({ version: v, removed }) => ({
        ref: v.ref,
        id: v.id,
        rows: v.rowCount,
        rowsRemoved: removed,
        encrypted: v.encrypted,
        replacement: null,
      })),
      deletedArtifacts: [],
      keptSharedArtifacts: [],
    };
  }

  // Pass 2: a replacement version of each, without the matching rows (sealed again when encrypted).
  const tombstoneId = ulid();
  const versions: ErasedVersion[] = [];
  for (const { version: old, removed } of affected) {
    const options = { shardBytes: input.shardBytes };
    const writer = old.encrypted
      ? await datasets.openSealedWriter(old.name, input.actor, options)
      : datasets.openWriter(options);
    try {
      for await (const batch of datasets.iterate(old, 0, access)) {
        for (const r of batch) {
          if (matches(r.row)) continue;
          const wait = writer.write(r.row);
          if (wait) await wait;
        }
      }
      const next = await writer.commit({
        name: old.name,
        actor: input.actor,
        description: old.description ?? undefined,
        textField: old.textField,
        lineage: {
          ...old.lineage,
          erasedFrom: { ref: old.ref, id: old.id, contentHash: old.contentHash },
          erasure: { tombstoneId, reason, rowsRemoved: removed },
        },
        stats: { ...old.stats, erasure_rows_removed: removed },
      });
      versions.push({
        ref: old.ref,
        id: old.id,
        rows: old.rowCount,
        rowsRemoved: removed,
        encrypted: old.encrypted,
        replacement: next.ref,
      });
    } catch (error) {
      await writer.abort();
      throw error;
    }
  }

  // One transaction: the tombstone, the erased marks and the audit entry commit together.
  const now = new Date().toISOString();
  const oldIds = affected.map((a) => a.version.id);
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto("dataset_tombstones")
      .values({
        id: tombstoneId,
        at: now,
        actor: input.actor,
        reason,
        match_kind: input.match.kind,
        match_field: input.match.kind === "field" ? input.match.field : null,
        match_hash: hash,
        rows_removed: rowsRemoved,
        versions_json: JSON.stringify(versions),
        models_json: JSON.stringify({ models, runs }),
      })
      .execute();
    await trx
      .updateTable("dataset_versions")
      .set({ erased_at: now, erasure_id: tombstoneId })
      .where("id", "in", oldIds)
      .execute();
    await appendAudit(trx, {
      actor: input.actor,
      action: "dataset.erase",
      target: `tombstone:${tombstoneId}`,
      details: {
        reason,
        matchKind: input.match.kind,
        matchField: input.match.kind === "field" ? input.match.field : null,
        matchHash: hash,
        rowsRemoved,
        versions: versions.map((v) => ({ erased: v.ref, replacement: v.replacement, rowsRemoved: v.rowsRemoved })),
        models: models.map((m) => m.ref),
      },
    });
  });

  // Shard artifacts of the erased versions go, unless a live version shares one (same bytes).
  const shardRows = await db
    .selectFrom("dataset_shards")
    .select("artifact_hash")
    .where("version_id", "in", oldIds)
    .execute();
  const hashes = [...new Set(shardRows.map((s) => s.artifact_hash))];
  const deletedArtifacts: string[] = [];
  const keptSharedArtifacts: string[] = [];
  for (const artifact of hashes) {
    const shared = await db
      .selectFrom("dataset_shards")
      .innerJoin("dataset_versions", "dataset_versions.id", "dataset_shards.version_id")
      .select("dataset_shards.version_id")
      .where("dataset_shards.artifact_hash", "=", artifact)
      .where("dataset_versions.erased_at", "is", null)
      .executeTakeFirst();
    if (shared) keptSharedArtifacts.push(artifact);
    else {
      await datasets.artifacts.delete(artifact);
      deletedArtifacts.push(artifact);
    }
  }
  return { ...base, dryRun: false, tombstoneId, versions, deletedArtifacts, keptSharedArtifacts };
}

/** Model versions and runs that used any of `refs`: model lineage `datasetVersions`, or its run's dataset. */
async function affectedModels(
  datasets: DatasetStore,
  refs: string[],
): Promise<{ models: AffectedModel[]; runs: EraseResult["runs"] }> {
  if (refs.length === 0) return { models: [], runs: [] };
  const db = datasets.store.db;
  const wanted = new Set(refs);
  const runs: EraseResult["runs"] = [];
  const runDataset = new Map<string, string>();
  for (const run of await db.selectFrom("runs").select(["id", "name", "dataset_json"]).execute()) {
    const dataset = parseObject(run.dataset_json);
    const ref = typeof dataset.version === "string" ? dataset.version : dataset.datasetVersion;
    if (typeof ref === "string" && wanted.has(ref)) {
      runs.push({ id: run.id, name: run.name, dataset: ref });
      runDataset.set(run.id, ref);
    }
  }
  const models: AffectedModel[] = [];
  const rows = await db
    .selectFrom("model_versions")
    .select(["model_name", "version", "lineage_json"])
    .orderBy("model_name")
    .orderBy("version")
    .execute();
  for (const row of rows) {
    const lineage = parseObject(row.lineage_json);
    const listed = Array.isArray(lineage.datasetVersions)
      ? lineage.datasetVersions.filter((d): d is string => typeof d === "string" && wanted.has(d))
      : [];
    const runId = typeof lineage.runId === "string" ? lineage.runId : null;
    const viaRun = runId ? runDataset.get(runId) : undefined;
    if (listed.length === 0 && !viaRun) continue;
    models.push({
      model: row.model_name,
      version: row.version,
      ref: `${row.model_name}@${row.version}`,
      datasets: [...new Set([...listed, ...(viaRun ? [viaRun] : [])])],
      via: [...(listed.length ? (["lineage"] as const) : []), ...(viaRun ? (["run"] as const) : [])],
      runId,
    });
  }
  return { models, runs };
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}
