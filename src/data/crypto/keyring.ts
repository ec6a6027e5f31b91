// Data keys for encryption at rest: one random AES-256 key per dataset, created on its first
// encrypted write and stored only wrapped by the master key (LLMOPS_MASTER_KEY or
// LLMOPS_MASTER_KEY_FILE). Rotation re-wraps every data key under a new master key in one
// transaction; shards are never re-encrypted. Every key creation, rotation and decrypting read
// goes into the audit trail.
import os from "node:os";
import { ulid } from "ulid";
import { LlmopsError } from "../../errors.js";
import { appendAudit, recordAudit } from "../../security/audit.js";
import { can, rolesWith } from "../../security/roles.js";
import { isUniqueViolation } from "../../store/metadata/errors.js";
import type { MetadataStore } from "../../store/metadata/types.js";
import type { DatasetVersion } from "../types.js";
import {
  KEY_ALGORITHM,
  type MasterKey,
  masterKeyFromEnv,
  newDataKey,
  SEALED_ENCODING,
  sealStream,
  shardAad,
  unseal,
  unwrapKey,
  wrapKey,
} from "./envelope.js";
import type { DatasetAccess, DatasetEncryption, ShardSealer, ShardUnsealer } from "./types.js";

export interface RotationResult {
  from: string;
  to: string;
  /** Data keys re-wrapped now. */
  rewrapped: number;
  /** Data keys already wrapped by the new key (a rerun after an interrupted rotation). */
  alreadyCurrent: number;
}

export interface DatasetKeyInfo {
  dataset: string;
  keyId: string;
  masterKeyId: string;
  algorithm: string;
  createdAt: string;
  createdBy: string;
  rotatedAt: string | null;
}

export class DatasetKeyring implements DatasetEncryption {
  private masterKey: MasterKey | null | undefined;
  private readonly defaultActor: string;

  /** `master`: a key, or a loader (read lazily, so platforms that never encrypt need no key). */
  constructor(
    private readonly store: MetadataStore,
    master: MasterKey | (() => MasterKey | null) = () => masterKeyFromEnv(),
    options: { defaultActor?: string } = {},
  ) {
    if (typeof master === "function") this.loadMaster = master;
    else this.masterKey = master;
    this.defaultActor = options.defaultActor ?? localActor();
  }

  private loadMaster: () => MasterKey | null = () => null;

  /** The master key, or a usage error saying how to provide one. */
  master(): MasterKey {
    if (this.masterKey === undefined) this.masterKey = this.loadMaster();
    if (!this.masterKey) {
      throw new LlmopsError(
        "config_invalid",
        "Encrypted datasets need the master key: set LLMOPS_MASTER_KEY (32 bytes, base64 or hex) or " +
          "LLMOPS_MASTER_KEY_FILE (a file of mode 0600 holding it).",
        { param: "LLMOPS_MASTER_KEY" },
      );
    }
    return this.masterKey;
  }

  async sealer(dataset: string, versionId: string, actor: string): Promise<ShardSealer> {
    const { keyId, key } = await this.dataKeyFor(dataset, actor);
    return { encoding: SEALED_ENCODING, keyId, seal: (shard) => sealStream(key, shardAad(dataset, versionId, shard)) };
  }

  async unsealer(version: DatasetVersion, access: DatasetAccess | undefined): Promise<ShardUnsealer> {
    const who = access ?? { actor: this.defaultActor, purpose: "read" };
    if (who.role !== undefined && !can(who.role, "datasets:decrypt")) {
      throw new LlmopsError(
        "forbidden",
        `${version.ref} is encrypted; role '${who.role}' may not decrypt datasets (needs one of: ${rolesWith("datasets:decrypt").join(", ")}).`,
      );
    }
    if (!version.encryptionKeyId) throw new LlmopsError("internal", `${version.ref} is not encrypted.`);
    const key = await this.unwrap(version.name, version.encryptionKeyId);
    await recordAudit(this.store, {
      actor: who.actor,
      action: "dataset.decrypt",
      target: `dataset:${version.ref}`,
      details: { purpose: who.purpose, keyId: version.encryptionKeyId },
    });
    return {
      encoding: SEALED_ENCODING,
      open: (shard, stored) =>
        unseal(key, shardAad(version.name, version.id, shard.shard), stored, `${version.ref} shard ${shard.shard}`),
    };
  }

  async list(): Promise<DatasetKeyInfo[]> {
    const rows = await this.store.db.selectFrom("dataset_keys").selectAll().orderBy("dataset_name").execute();
    return rows.map((r) => ({
      dataset: r.dataset_name,
      keyId: r.key_id,
      masterKeyId: r.master_key_id,
      algorithm: r.algorithm,
      createdAt: r.created_at,
      createdBy: r.created_by,
      rotatedAt: r.rotated_at,
    }));
  }

  /**
   * Re-wraps every data key under `next` in one transaction (all or none). The current master key
   * must unwrap them; keys already under `next` are left alone, so an interrupted rotation reruns.
   */
  async rotate(next: MasterKey, actor: string): Promise<RotationResult> {
    const current = this.master();
    const now = new Date().toISOString();
    const result = await this.store.db.transaction().execute(async (trx) => {
      const rows = await trx.selectFrom("dataset_keys").selectAll().orderBy("dataset_name").execute();
      let rewrapped = 0;
      let alreadyCurrent = 0;
      for (const row of rows) {
        if (row.master_key_id === next.id) {
          alreadyCurrent++;
          continue;
        }
        if (row.master_key_id !== current.id) throw wrongMaster(row.dataset_name, row.master_key_id, current);
        const dataKey = unwrapKey(current, row.key_id, row.wrapped_key);
        await trx
          .updateTable("dataset_keys")
          .set({ wrapped_key: wrapKey(next, row.key_id, dataKey), master_key_id: next.id, rotated_at: now })
          .where("dataset_name", "=", row.dataset_name)
          .where("master_key_id", "=", current.id)
          .execute();
        rewrapped++;
      }
      await appendAudit(trx, {
        actor,
        action: "dataset.keys.rotate",
        target: `master-key:${next.id}`,
        details: { from: current.id, to: next.id, rewrapped, alreadyCurrent },
      });
      return { from: current.id, to: next.id, rewrapped, alreadyCurrent };
    });
    // From now on this keyring works with the new key.
    this.masterKey = next;
    return result;
  }

  /** The dataset's data key, created (and audited) on its first encrypted write. */
  private async dataKeyFor(dataset: string, actor: string): Promise<{ keyId: string; key: Buffer }> {
    const master = this.master();
    for (let attempt = 0; attempt < 3; attempt++) {
      const row = await this.store.db
        .selectFrom("dataset_keys")
        .selectAll()
        .where("dataset_name", "=", dataset)
        .executeTakeFirst();
      if (row) return { keyId: row.key_id, key: await this.unwrap(dataset, row.key_id) };
      const keyId = ulid();
      const key = newDataKey();
      try {
        await this.store.db.transaction().execute(async (trx) => {
          await trx
            .insertInto("dataset_keys")
            .values({
              dataset_name: dataset,
              key_id: keyId,
              master_key_id: master.id,
              wrapped_key: wrapKey(master, keyId, key),
              algorithm: KEY_ALGORITHM,
              created_at: new Date().toISOString(),
              created_by: actor,
              rotated_at: null,
            })
            .execute();
          await appendAudit(trx, {
            actor,
            action: "dataset.key.create",
            target: `dataset:${dataset}`,
            details: { keyId, masterKeyId: master.id, algorithm: KEY_ALGORITHM },
          });
        });
        return { keyId, key };
      } catch (error) {
        // A concurrent first write of the same dataset created its key: use that one.
        if (!isUniqueViolation(error)) throw error;
      }
    }
    throw new LlmopsError("unavailable", `Could not create a data key for dataset '${dataset}'; try again.`);
  }

  private async unwrap(dataset: string, keyId: string): Promise<Buffer> {
    const master = this.master();
    const row = await this.store.db
      .selectFrom("dataset_keys")
      .selectAll()
      .where("key_id", "=", keyId)
      .executeTakeFirst();
    if (!row) throw new LlmopsError("integrity", `The data key ${keyId} of dataset '${dataset}' is missing.`);
    if (row.master_key_id !== master.id) throw wrongMaster(dataset, row.master_key_id, master);
    return unwrapKey(master, keyId, row.wrapped_key);
  }
}

function wrongMaster(dataset: string, wrappedBy: string, master: MasterKey): LlmopsError {
  return new LlmopsError(
    "unauthorized",
    `Dataset '${dataset}' is encrypted under master key ${wrappedBy}, but ${master.source} holds key ${master.id}; ` +
      "set the master key it was encrypted with (or, after `llmops data keys rotate`, the new one).",
    { param: "LLMOPS_MASTER_KEY" },
  );
}

function localActor(): string {
  try {
    return `local:${os.userInfo().username}`;
  } catch {
    return "local";
  }
}
