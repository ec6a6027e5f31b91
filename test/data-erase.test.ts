// Erasure on both metadata dialects with the real file artifact store, registry and run store:
// erasing across datasets (plain and encrypted), dry runs that change nothing, shard artifacts
// deleted unless a live version shares them, tombstone and audit entry without the raw value,
// and the model versions trained on affected data (through lineage and through runs).
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseMasterKey } from "../src/data/crypto/envelope.js";
import { DatasetKeyring } from "../src/data/crypto/keyring.js";
import { DatasetStore } from "../src/data/datasets.js";
import { eraseRows, matchHash, parseFieldMatch, rowMatcher } from "../src/data/erase.js";
import { ingest } from "../src/data/ingest.js";
import type { Row } from "../src/data/types.js";
import { LlmopsError } from "../src/errors.js";
import { writeTinyLlama } from "../src/formats/gguf/index.js";
import { ModelRegistry } from "../src/registry/index.js";
import { listAudit, verifyAudit } from "../src/security/audit.js";
import { type ArtifactStore, openArtifactStore } from "../src/store/artifacts/index.js";
import { openMetadataStore } from "../src/store/metadata/index.js";
import type { MetadataStore } from "../src/store/metadata/types.js";
import { RunStore } from "../src/train/runs.js";
import { databaseFactories, type TestDatabase } from "./helpers/databases.js";

const EMAIL = "alice.erase@example.com";
const work = mkdtempSync(path.join(tmpdir(), "llmops-erase-"));
const jsonl = (name: string, rows: Row[]) => {
  const p = path.join(work, name);
  writeFileSync(p, rows.map((r) => JSON.stringify(r)).join("\n"));
  return p;
};
// Alice's rows sit at the end, so the first shards of a rewrite are byte-identical (shared).
const people = jsonl("people.jsonl", [
  ...Array.from({ length: 200 }, (_, i) => ({ id: i, email: `user${i}@example.com`, text: `hello from user ${i}` })),
  { id: 200, email: EMAIL, text: "I am Alice" },
  { id: 201, email: "bob@example.com", text: `forward to ${EMAIL} please` },
]);
const chat = jsonl("chat.jsonl", [
  { text: "nothing personal here" },
  { text: `contact me at ${EMAIL}` },
  { text: "more chatter", meta: { cc: [EMAIL] } },
]);
const clean = jsonl("clean.jsonl", [{ text: "no one" }, { text: "at all" }]);

function storedFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out;
}

describe("erase matching", () => {
  it("matches fields (dotted, arrays, numbers) and text anywhere", () => {
    const field = rowMatcher(parseFieldMatch("user.email=a@b.c"));
    expect(field({ user: { email: "a@b.c" } })).toBe(true);
    expect(field({ user: { email: ["x", "a@b.c"] } })).toBe(true);
    expect(field({ user: { email: "xa@b.c" } })).toBe(false);
    expect(field({ email: "a@b.c" })).toBe(false);
    expect(rowMatcher(parseFieldMatch("id=7"))({ id: 7 })).toBe(true);
    const text = rowMatcher({ kind: "text", value: "a@b.c" });
    expect(text({ deep: [{ x: "mail a@b.c now" }] })).toBe(true);
    expect(text({ x: "nothing" })).toBe(false);
    expect(() => parseFieldMatch("novalue=")).toThrow(/FIELD=VALUE/);
    expect(() => parseFieldMatch("=x")).toThrow(/FIELD=VALUE/);
    expect(() => rowMatcher({ kind: "text", value: "" })).toThrow(/empty/);
  });
});

describe.each(databaseFactories())("erasure on %s", (_dialect, createDatabase) => {
  let database: TestDatabase;
  let store: MetadataStore;
  let artifacts: ArtifactStore;
  let artifactsDir: string;
  let datasets: DatasetStore;

  beforeAll(async () => {
    database = await createDatabase();
    store = await openMetadataStore(database.url);
    artifactsDir = mkdtempSync(path.join(tmpdir(), "llmops-erase-artifacts-"));
    artifacts = await openArtifactStore(`file:${artifactsDir}`, { home: work });
    const master = parseMasterKey(randomBytes(32).toString("hex"), "test");
    datasets = new DatasetStore(store, artifacts, new DatasetKeyring(store, master, { defaultActor: "tester" }));
    await ingest(datasets, { files: [people], name: "people", actor: "t", shardBytes: 1500 });
    await ingest(datasets, { files: [chat], name: "chat", actor: "t" });
    await ingest(datasets, { files: [chat], name: "vault", actor: "t", encrypt: true });
    await ingest(datasets, { files: [clean], name: "clean", actor: "t" });
    // A model registered with the dataset in its lineage, and one exported from a run that read it.
    const registry = new ModelRegistry(store, artifacts);
    const gguf = path.join(work, "tiny.gguf");
    await writeTinyLlama(gguf, { type: "F32", seed: 5 });
    await registry.register({ file: gguf, name: "direct", actor: "t", lineage: { datasetVersions: ["chat@1"] } });
    const run = await new RunStore(store).create({ name: "r1", dataset: { hash: "x", version: "people@1" } }, "t");
    await registry.register({ file: gguf, name: "trained", actor: "t", lineage: { runId: run.id } });
    await registry.register({ file: gguf, name: "unrelated", actor: "t", lineage: { datasetVersions: ["clean@1"] } });
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  const snapshot = async () => ({
    versions: await store.db.selectFrom("dataset_versions").selectAll().orderBy("id").execute(),
    tombstones: await store.db.selectFrom("dataset_tombstones").selectAll().execute(),
    files: storedFiles(artifactsDir).sort(),
    audit: (await listAudit(store, { action: "dataset.erase" })).length,
  });

  it("rejects a missing reason", async () => {
    const error = await eraseRows(datasets, { match: { kind: "text", value: EMAIL }, reason: " ", actor: "t" }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LlmopsError);
    expect((error as LlmopsError).message).toMatch(/--reason/);
  });

  it("dry run reports versions and models and changes nothing", async () => {
    const before = await snapshot();
    const result = await eraseRows(datasets, {
      match: { kind: "text", value: EMAIL },
      reason: "GDPR art. 17 request #42",
      actor: "dpo",
      dryRun: true,
    });
    expect(result.dryRun).toBe(true);
    expect(result.tombstoneId).toBeNull();
    expect(result.versions.map((v) => [v.ref, v.rowsRemoved])).toEqual([
      ["chat@1", 2],
      ["people@1", 2],
      ["vault@1", 2],
    ]);
    expect(result.models.map((m) => m.ref).sort()).toEqual(["direct@1", "trained@1"]);
    expect(await snapshot()).toEqual(before);
  });

  it("erases across datasets: new versions without the rows, old ones erased, shards deleted unless shared", async () => {
    const oldShards = await store.db
      .selectFrom("dataset_shards")
      .innerJoin("dataset_versions", "dataset_versions.id", "dataset_shards.version_id")
      .select(["dataset_versions.dataset_name", "dataset_shards.artifact_hash"])
      .where("dataset_versions.version", "=", 1)
      .execute();
    const peopleShards = oldShards.filter((s) => s.dataset_name === "people").map((s) => s.artifact_hash);
    expect(peopleShards.length).toBeGreaterThan(3);
    const result = await eraseRows(datasets, {
      match: { kind: "text", value: EMAIL },
      reason: "GDPR art. 17 request #42",
      actor: "dpo",
      shardBytes: 1500,
    });
    expect(result.tombstoneId).toMatch(/^[0-9A-Z]{26}$/);
    expect(result.rowsRemoved).toBe(6);
    expect(result.versions.map((v) => [v.ref, v.replacement])).toEqual([
      ["chat@1", "chat@2"],
      ["people@1", "people@2"],
      ["vault@1", "vault@2"],
    ]);
    // Replacements: the other rows, lineage back to the erased version, still encrypted when it was.
    const people2 = await datasets.resolve("people@2");
    expect(people2.rowCount).toBe(200);
    expect(people2.lineage.erasedFrom).toMatchObject({ ref: "people@1" });
    expect(people2.lineage.erasure).toMatchObject({
      tombstoneId: result.tombstoneId,
      reason: "GDPR art. 17 request #42",
    });
    const vault2 = await datasets.resolve("vault");
    expect(vault2.encrypted).toBe(true);
    const rows = await datasets.page(vault2, 0, 10);
    expect(rows.map((r) => r.row.text)).toEqual(["nothing personal here"]);
    for (const ref of ["people@2", "chat@2", "vault@2"]) {
      const v = await datasets.resolve(ref);
      for await (const batch of datasets.iterate(v)) {
        for (const r of batch) expect(JSON.stringify(r.row)).not.toContain(EMAIL);
      }
    }
    // The old versions keep their metadata but no longer give rows.
    const people1 = await datasets.resolve("people@1");
    expect(people1.erasedAt).not.toBeNull();
    expect(people1.erasureId).toBe(result.tombstoneId);
    const error = await datasets.page(people1, 0, 1).catch((e: unknown) => e);
    expect((error as LlmopsError).code).toBe("not_found");
    expect((error as LlmopsError).message).toMatch(/erased/);
    // Shards: those holding the rows are gone from the store; shards shared with people@2 stay.
    expect(result.keptSharedArtifacts.length).toBeGreaterThan(0);
    expect(result.deletedArtifacts.length).toBeGreaterThan(0);
    for (const hash of result.deletedArtifacts) expect(await artifacts.has(hash)).toBe(false);
    for (const hash of result.keptSharedArtifacts) expect(await artifacts.has(hash)).toBe(true);
    const live = await datasets.shards(people2);
    expect(result.keptSharedArtifacts.every((h) => live.some((s) => s.artifactHash === h))).toBe(true);
    for (const hash of oldShards.filter((s) => s.dataset_name === "chat").map((s) => s.artifact_hash)) {
      expect(await artifacts.has(hash)).toBe(false);
    }
    // Untouched: the dataset without the value.
    expect((await datasets.resolve("clean")).version).toBe(1);
    // No stored byte of any file holds the address any more (plain shards are gzip: check decoded rows above).
    for (const f of storedFiles(artifactsDir)) expect(readFileSync(f).includes(EMAIL)).toBe(false);
    expect(existsSync(artifactsDir)).toBe(true);

    // Affected models: through lineage (direct) and through the run that read people@1 (trained).
    expect(result.models).toEqual([
      expect.objectContaining({ ref: "direct@1", datasets: ["chat@1"], via: ["lineage"] }),
      expect.objectContaining({ ref: "trained@1", datasets: ["people@1"], via: ["run"] }),
    ]);
    expect(result.runs.map((r) => r.dataset)).toEqual(["people@1"]);

    // Tombstone and audit entry: who, when, why and a hash — never the value.
    const tombstone = await store.db
      .selectFrom("dataset_tombstones")
      .selectAll()
      .where("id", "=", result.tombstoneId!)
      .executeTakeFirstOrThrow();
    expect(tombstone).toMatchObject({ actor: "dpo", reason: "GDPR art. 17 request #42", match_kind: "text" });
    expect(Number(tombstone.rows_removed)).toBe(6);
    expect(tombstone.match_hash).toBe(result.matchHash);
    expect(tombstone.match_hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(JSON.stringify(tombstone)).not.toContain(EMAIL);
    const [entry] = await listAudit(store, { action: "dataset.erase" });
    expect(entry).toMatchObject({ actor: "dpo", target: `tombstone:${result.tombstoneId}` });
    expect(entry!.details.models).toEqual(["direct@1", "trained@1"]);
    expect(JSON.stringify(await listAudit(store, { limit: 1000 }))).not.toContain(EMAIL);
    expect((await verifyAudit(store)).ok).toBe(true);
  });

  it("finds nothing the second time, and erases by field only where the field matches", async () => {
    const again = await eraseRows(datasets, { match: { kind: "text", value: EMAIL }, reason: "repeat", actor: "dpo" });
    expect(again.versions).toEqual([]);
    expect(again.tombstoneId).toBeNull();
    const byField = await eraseRows(datasets, {
      match: parseFieldMatch("email=user7@example.com"),
      reason: "request #43",
      actor: "dpo",
      hashKey: Buffer.alloc(32, 7),
    });
    expect(byField.matchHash).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(byField.matchHash).toBe(matchHash(parseFieldMatch("email=user7@example.com"), Buffer.alloc(32, 7)));
    expect(byField.matchHash).not.toBe(matchHash(parseFieldMatch("email=user7@example.com"), Buffer.alloc(32, 8)));
    expect(byField.versions.map((v) => [v.ref, v.rowsRemoved, v.replacement])).toEqual([["people@2", 1, "people@3"]]);
    expect(byField.models).toEqual([]); // nothing was trained on people@2
    expect((await datasets.resolve("people")).rowCount).toBe(199);
  });
});
