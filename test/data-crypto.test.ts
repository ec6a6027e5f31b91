// Encryption at rest on both metadata dialects with the real file artifact store: envelope
// round trip, wrong master key, tampered and swapped shards, master-key rotation without
// re-encryption, role checks, audit entries, and no plaintext anywhere in the artifact store.
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type MasterKey,
  parseMasterKey,
  readMasterKeyFile,
  SEALED_ENCODING,
  seal,
  shardAad,
  unseal,
} from "../src/data/crypto/envelope.js";
import { DatasetKeyring } from "../src/data/crypto/keyring.js";
import { DatasetStore } from "../src/data/datasets.js";
import { ingest } from "../src/data/ingest.js";
import { runPipeline } from "../src/data/pipeline/run.js";
import { parsePipeline } from "../src/data/pipeline/spec.js";
import { profileVersion } from "../src/data/report/profile.js";
import type { DatasetVersion, Row } from "../src/data/types.js";
import { LlmopsError } from "../src/errors.js";
import { listAudit, verifyAudit } from "../src/security/audit.js";
import { type ArtifactStore, openArtifactStore } from "../src/store/artifacts/index.js";
import { openMetadataStore } from "../src/store/metadata/index.js";
import type { MetadataStore } from "../src/store/metadata/types.js";
import { databaseFactories, type TestDatabase } from "./helpers/databases.js";

const MARKER = "SECRET-MARKER-7f3a9c";
const work = mkdtempSync(path.join(tmpdir(), "llmops-crypto-"));
const rows: Row[] = Array.from({ length: 400 }, (_, i) => ({
  id: i,
  text: i === 123 ? `customer note: ${MARKER} lives here` : `row ${i} says hello ${"abc".repeat(i % 9)}`,
}));
const input = path.join(work, "secret.jsonl");
writeFileSync(input, rows.map((r) => JSON.stringify(r)).join("\n"));

const newKey = (): MasterKey => parseMasterKey(randomBytes(32).toString("base64"), "test");

async function expectCode(promise: Promise<unknown>, code: string): Promise<LlmopsError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LlmopsError);
  expect((error as LlmopsError).code).toBe(code);
  return error as LlmopsError;
}

async function readAll(datasets: DatasetStore, version: DatasetVersion): Promise<Row[]> {
  const out: Row[] = [];
  for await (const batch of datasets.iterate(version)) for (const r of batch) out.push(r.row);
  return out;
}

/** Every stored file under a directory, with its bytes gunzip'd when they are gzip. */
function storedContents(dir: string): Array<{ file: string; raw: Buffer; plain: Buffer | null }> {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.push(p);
    }
  };
  walk(dir);
  return files.map((file) => {
    const raw = readFileSync(file);
    let plain: Buffer | null = null;
    try {
      plain = gunzipSync(raw);
    } catch {
      plain = null;
    }
    return { file, raw, plain };
  });
}

describe("master keys and sealing", () => {
  it("parses hex and base64 keys and rejects anything else with a clear error", () => {
    const bytes = randomBytes(32);
    expect(parseMasterKey(bytes.toString("hex"), "x").key.equals(bytes)).toBe(true);
    expect(parseMasterKey(` ${bytes.toString("base64")}\n`, "x").key.equals(bytes)).toBe(true);
    expect(parseMasterKey(bytes.toString("hex"), "x").id).toBe(parseMasterKey(bytes.toString("base64"), "y").id);
    for (const bad of ["", "short", randomBytes(16).toString("base64"), `${bytes.toString("hex")}00`]) {
      expect(() => parseMasterKey(bad, "LLMOPS_MASTER_KEY")).toThrow(/32-byte key/);
    }
  });

  it("refuses a key file others can read", () => {
    const file = path.join(work, "master.key");
    writeFileSync(file, randomBytes(32).toString("base64"));
    chmodSync(file, 0o644);
    expect(() => readMasterKeyFile(file)).toThrow(/chmod 600/);
    chmodSync(file, 0o600);
    expect(readMasterKeyFile(file).id).toMatch(/^[0-9a-f]{16}$/);
    expect(() => readMasterKeyFile(path.join(work, "missing.key"))).toThrow(/does not exist/);
  });

  it("binds a sealed shard to its dataset, version and index", () => {
    const key = randomBytes(32);
    const sealed = seal(key, shardAad("ds", "V1", 0), Buffer.from("hello"));
    expect(unseal(key, shardAad("ds", "V1", 0), sealed, "s").toString()).toBe("hello");
    expect(() => unseal(key, shardAad("ds", "V1", 1), sealed, "s")).toThrow(/failed authentication/);
    expect(() => unseal(key, shardAad("ds", "V2", 0), sealed, "s")).toThrow(/failed authentication/);
    expect(() => unseal(key, shardAad("other", "V1", 0), sealed, "s")).toThrow(/failed authentication/);
    expect(() => unseal(randomBytes(32), shardAad("ds", "V1", 0), sealed, "s")).toThrow(/failed authentication/);
  });
});

describe.each(databaseFactories())("encrypted datasets on %s", (_dialect, createDatabase) => {
  let database: TestDatabase;
  let store: MetadataStore;
  let artifacts: ArtifactStore;
  let artifactsDir: string;
  let keyA: MasterKey;
  let keyB: MasterKey;
  let datasets: DatasetStore;
  let v1: DatasetVersion;

  beforeAll(async () => {
    database = await createDatabase();
    store = await openMetadataStore(database.url);
    artifactsDir = mkdtempSync(path.join(tmpdir(), "llmops-crypto-artifacts-"));
    artifacts = await openArtifactStore(`file:${artifactsDir}`, { home: work });
    keyA = newKey();
    keyB = newKey();
    datasets = new DatasetStore(store, artifacts, new DatasetKeyring(store, keyA, { defaultActor: "tester" }));
    v1 = await ingest(datasets, { files: [input], name: "secret", actor: "alice", encrypt: true, shardBytes: 4096 });
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  const withKey = (key: MasterKey | null) =>
    new DatasetStore(store, artifacts, new DatasetKeyring(store, () => key, { defaultActor: "tester" }));

  it("round-trips rows through sealed shards and marks the version encrypted", async () => {
    expect(v1.encrypted).toBe(true);
    expect(v1.encryptionKeyId).toMatch(/^[0-9A-Z]{26}$/);
    const detail = await datasets.detail("secret@1");
    expect(detail.shards.length).toBeGreaterThan(3);
    expect(detail.shards.every((s) => s.encoding === SEALED_ENCODING)).toBe(true);
    expect(await readAll(datasets, v1)).toEqual(rows);
    const page = await datasets.page(v1, 120, 5, { actor: "bob", purpose: "head" });
    expect(page.map((r) => r.row.id)).toEqual([120, 121, 122, 123, 124]);
    expect(page[3]!.row.text).toContain(MARKER);
  });

  it("stores no plaintext: no artifact holds the marker, raw or gunzip'd", async () => {
    const contents = storedContents(artifactsDir);
    expect(contents.length).toBeGreaterThan(3);
    for (const c of contents) {
      expect(c.raw.includes(MARKER)).toBe(false);
      expect(c.plain).toBeNull();
    }
    // Control: the same rows ingested without --encrypt are found by the same scan.
    const plainDir = mkdtempSync(path.join(tmpdir(), "llmops-crypto-plain-"));
    const plainStore = new DatasetStore(store, await openArtifactStore(`file:${plainDir}`, { home: work }));
    await ingest(plainStore, { files: [input], name: "control", actor: "alice" });
    expect(storedContents(plainDir).some((c) => c.plain?.includes(MARKER))).toBe(true);
  });

  it("needs the right master key", async () => {
    const missing = await expectCode(readAll(withKey(null), v1), "config_invalid");
    expect(missing.message).toMatch(/LLMOPS_MASTER_KEY/);
    const wrong = await expectCode(readAll(withKey(newKey()), v1), "unauthorized");
    expect(wrong.message).toMatch(/encrypted under master key/);
    // Same fingerprint, altered wrapped key: the unwrap fails authentication.
    const row = await store.db
      .selectFrom("dataset_keys")
      .selectAll()
      .where("dataset_name", "=", "secret")
      .executeTakeFirstOrThrow();
    const bytes = Buffer.from(row.wrapped_key, "base64");
    bytes[20]! ^= 1;
    await store.db
      .updateTable("dataset_keys")
      .set({ wrapped_key: bytes.toString("base64") })
      .where("key_id", "=", row.key_id)
      .execute();
    try {
      await expectCode(readAll(datasets, v1), "integrity");
    } finally {
      await store.db
        .updateTable("dataset_keys")
        .set({ wrapped_key: row.wrapped_key })
        .where("key_id", "=", row.key_id)
        .execute();
    }
    expect((await readAll(datasets, v1)).length).toBe(rows.length);
  });

  it("rejects tampered ciphertext with an integrity error", async () => {
    const [shard] = await datasets.shards(v1);
    const sealed = await artifacts.readBuffer(shard!.artifactHash);
    const tampered = Buffer.from(sealed);
    tampered[Math.floor(tampered.length / 2)]! ^= 0x40;
    // An attacker who can write both stores: a new blob, and the shard row pointed at it.
    const put = await artifacts.putBuffer(tampered);
    const setShard = (hash: string) =>
      store.db
        .updateTable("dataset_shards")
        .set({ artifact_hash: hash })
        .where("version_id", "=", v1.id)
        .where("shard", "=", 0)
        .execute();
    await setShard(put.hash);
    try {
      const error = await expectCode(readAll(datasets, v1), "integrity");
      expect(error.message).toMatch(/failed authentication/);
    } finally {
      await setShard(shard!.artifactHash);
    }
  });

  it("rejects shards swapped within a version or moved from another version", async () => {
    const shards = await datasets.shards(v1);
    const swap = async (a: string, b: string) => {
      await store.db
        .updateTable("dataset_shards")
        .set({ artifact_hash: a })
        .where("version_id", "=", v1.id)
        .where("shard", "=", 0)
        .execute();
      await store.db
        .updateTable("dataset_shards")
        .set({ artifact_hash: b })
        .where("version_id", "=", v1.id)
        .where("shard", "=", 1)
        .execute();
    };
    await swap(shards[1]!.artifactHash, shards[0]!.artifactHash);
    try {
      await expectCode(readAll(datasets, v1), "integrity");
    } finally {
      await swap(shards[0]!.artifactHash, shards[1]!.artifactHash);
    }
    // Same rows again as secret@2: its shard 0 copied into secret@1 does not authenticate there.
    const v2 = await ingest(datasets, {
      files: [input],
      name: "secret",
      actor: "alice",
      encrypt: true,
      shardBytes: 4096,
    });
    expect(v2.contentHash).toBe(v1.contentHash);
    const [other] = await datasets.shards(v2);
    expect(other!.artifactHash).not.toBe(shards[0]!.artifactHash); // fresh IV: no two sealings alike
    await store.db
      .updateTable("dataset_shards")
      .set({ artifact_hash: other!.artifactHash })
      .where("version_id", "=", v1.id)
      .where("shard", "=", 0)
      .execute();
    try {
      await expectCode(readAll(datasets, v1), "integrity");
    } finally {
      await store.db
        .updateTable("dataset_shards")
        .set({ artifact_hash: shards[0]!.artifactHash })
        .where("version_id", "=", v1.id)
        .where("shard", "=", 0)
        .execute();
    }
    expect(await readAll(datasets, v1)).toEqual(rows);
  });

  it("checks the role: viewers may not decrypt, developers may", async () => {
    await expectCode(datasets.page(v1, 0, 1, { actor: "key:v", role: "viewer", purpose: "api rows" }), "forbidden");
    const ok = await datasets.page(v1, 0, 1, { actor: "key:d", role: "developer", purpose: "api rows" });
    expect(ok).toHaveLength(1);
  });

  it("keeps pipeline outputs and reports of encrypted inputs encrypted", async () => {
    const result = await runPipeline(datasets, {
      pipeline: parsePipeline("steps:\n  - normalize\n", "p.yaml"),
      input: "secret@1",
      output: "secret-clean",
      actor: "carol",
    });
    expect(result.version?.encrypted).toBe(true);
    expect((await readAll(datasets, result.version!)).length).toBe(rows.length);
    const report = await profileVersion(datasets, v1, { pii: false });
    expect(report).toBeTruthy();
    for (const c of storedContents(artifactsDir)) expect(c.raw.includes(MARKER)).toBe(false);
    // `encrypt: true` in the pipeline seals the output of a plaintext input.
    await ingest(datasets, { files: [input], name: "plain-in", actor: "alice" });
    const sealed = await runPipeline(datasets, {
      pipeline: parsePipeline("encrypt: true\nsteps:\n  - normalize\n", "p.yaml"),
      input: "plain-in@1",
      output: "secret-clean",
      actor: "carol",
    });
    expect(sealed.version).toMatchObject({ ref: "secret-clean@2", encrypted: true });
    expect(await readAll(datasets, sealed.version!)).toEqual(rows);
  });

  it("rotates the master key by re-wrapping data keys only, atomically", async () => {
    const before = await store.db
      .selectFrom("dataset_shards")
      .select("artifact_hash")
      .orderBy("artifact_hash")
      .execute();
    const keyring = new DatasetKeyring(store, keyA);
    // A data key under a master key nobody has: the rotation fails and changes nothing.
    await store.db
      .insertInto("dataset_keys")
      .values({
        dataset_name: "orphan",
        key_id: "ORPHAN",
        master_key_id: "ffffffffffffffff",
        wrapped_key: "x",
        algorithm: "aes-256-gcm",
        created_at: new Date().toISOString(),
        created_by: "t",
        rotated_at: null,
      })
      .execute();
    await expectCode(keyring.rotate(keyB, "admin"), "unauthorized");
    const still = await store.db
      .selectFrom("dataset_keys")
      .select("master_key_id")
      .where("dataset_name", "!=", "orphan")
      .execute();
    expect(still.every((k) => k.master_key_id === keyA.id)).toBe(true);
    await store.db.deleteFrom("dataset_keys").where("dataset_name", "=", "orphan").execute();

    const result = await keyring.rotate(keyB, "admin");
    expect(result).toEqual({ from: keyA.id, to: keyB.id, rewrapped: 2, alreadyCurrent: 0 });
    const after = await store.db
      .selectFrom("dataset_shards")
      .select("artifact_hash")
      .orderBy("artifact_hash")
      .execute();
    expect(after).toEqual(before); // no shard re-encrypted
    expect(await readAll(withKey(keyB), v1)).toEqual(rows);
    await expectCode(readAll(withKey(keyA), v1), "unauthorized");
    // Rerunning with the new key as current is a no-op.
    expect(await new DatasetKeyring(store, keyB).rotate(keyB, "admin")).toMatchObject({
      rewrapped: 0,
      alreadyCurrent: 2,
    });
  });

  it("audits every encrypted write, decrypting read, key creation and rotation", async () => {
    const events = await listAudit(store, { limit: 1000 });
    const of = (action: string) => events.filter((e) => e.action === action);
    expect(
      of("dataset.key.create")
        .map((e) => e.target)
        .sort(),
    ).toEqual(["dataset:secret", "dataset:secret-clean"]);
    expect(of("dataset.encrypted_write").map((e) => e.target)).toEqual(
      expect.arrayContaining(["dataset:secret@1", "dataset:secret@2", "dataset:secret-clean@1"]),
    );
    const reads = of("dataset.decrypt");
    expect(
      reads.some((e) => e.actor === "bob" && e.target === "dataset:secret@1" && e.details.purpose === "head"),
    ).toBe(true);
    expect(reads.some((e) => e.actor === "carol" && e.details.purpose === "pipeline")).toBe(true);
    expect(reads.some((e) => e.actor === "key:d")).toBe(true);
    expect(reads.some((e) => e.actor === "key:v")).toBe(false); // refused before any key was unwrapped
    expect(of("dataset.keys.rotate").length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(events)).not.toContain(MARKER);
    expect((await verifyAudit(store)).ok).toBe(true);
  });

  it("measures encrypt/decrypt throughput of the envelope", () => {
    const key = randomBytes(32);
    const data = randomBytes(32 * 1024 * 1024);
    const t0 = performance.now();
    const sealed = seal(key, shardAad("bench", "V", 0), data);
    const t1 = performance.now();
    unseal(key, shardAad("bench", "V", 0), sealed, "bench");
    const t2 = performance.now();
    const mb = data.length / 1e6;
    console.log(
      `envelope: seal ${(mb / ((t1 - t0) / 1000)).toFixed(0)} MB/s, unseal ${(mb / ((t2 - t1) / 1000)).toFixed(0)} MB/s`,
    );
    expect(statSync(work).isDirectory()).toBe(true);
  });
});
