// The contract between the dataset store and encryption at rest (implemented by keyring.ts), so
// the shard writer and reader stay ignorant of keys: they get a stream to seal through and a
// function that opens a sealed shard.
import type { Transform } from "node:stream";
import type { Role } from "../../security/roles.js";
import type { DatasetVersion, ShardInfo } from "../types.js";

/** Who reads an encrypted version and why (recorded in the audit trail). */
export interface DatasetAccess {
  actor: string;
  /** The caller's role when known (API keys); absent for the local operator, who must hold the master key. */
  role?: Role | undefined;
  /** e.g. `head`, `rows`, `pipeline`, `report`, `erase`. */
  purpose: string;
}

export interface ShardSealer {
  /** The shard encoding sealed shards are recorded with. */
  encoding: string;
  /** The data key that seals them (recorded on the version). */
  keyId: string;
  /** A stream that encrypts shard `shard`'s stored bytes. */
  seal(shard: number): Transform;
}

export interface ShardUnsealer {
  encoding: string;
  /** The plaintext stored bytes of a sealed shard; an integrity error when they were altered or moved. */
  open(shard: ShardInfo, stored: Buffer): Buffer;
}

export interface DatasetEncryption {
  /** Seals the shards of a new version (`versionId` is the id the version will be recorded with). */
  sealer(dataset: string, versionId: string, actor: string): Promise<ShardSealer>;
  /** Checks access, unwraps the data key and records the read in the audit trail. */
  unsealer(version: DatasetVersion, access: DatasetAccess | undefined): Promise<ShardUnsealer>;
}
