// The registry on both metadata dialects with the real file artifact store and GGUF files made by
// our own writer.
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LlmopsError } from "../src/errors.js";
import { writeTinyLlama } from "../src/formats/gguf/index.js";
import { ModelRegistry } from "../src/registry/index.js";
import { openArtifactStore } from "../src/store/artifacts/index.js";
import { openMetadataStore } from "../src/store/metadata/index.js";
import type { MetadataStore } from "../src/store/metadata/types.js";
import { databaseFactories, type TestDatabase } from "./helpers/databases.js";

const work = mkdtempSync(path.join(tmpdir(), "llmops-registry-"));
const f32 = path.join(work, "tiny-f32.gguf");
const q8 = path.join(work, "tiny-q8.gguf");
const garbage = path.join(work, "not-a-model.gguf");

beforeAll(async () => {
  await writeTinyLlama(f32, { type: "F32", seed: 1 });
  await writeTinyLlama(q8, { type: "Q8_0", seed: 2, chatml: true });
  writeFileSync(garbage, "this is plainly not a GGUF file, just some text\n".repeat(10));
});

describe.each(databaseFactories())("model registry on %s", (_dialect, createDatabase) => {
  let database: TestDatabase;
  let store: MetadataStore;
  let registry: ModelRegistry;
  let artifactsDir: string;

  beforeAll(async () => {
    database = await createDatabase();
    store = await openMetadataStore(database.url);
    artifactsDir = mkdtempSync(path.join(tmpdir(), "llmops-artifacts-"));
    const artifacts = await openArtifactStore(`file:${artifactsDir}`, { home: work });
    registry = new ModelRegistry(store, artifacts);
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it("registers immutable numbered versions with the file's facts", async () => {
    const v1 = await registry.register({ file: f32, name: "tiny", actor: "test", tags: { team: "core" } });
    expect(v1).toMatchObject({
      name: "tiny",
      version: 1,
      ref: "tiny@1",
      format: "gguf",
      architecture: "llama",
      quantization: "F32",
      contextLength: 256,
      tags: { team: "core" },
      createdBy: "test",
      aliases: [],
    });
    expect(v1.parameterCount).toBeGreaterThan(100_000);
    expect(v1.vocabSize).toBeGreaterThan(256);
    expect(v1.artifactHash).toMatch(/^[0-9a-f]{64}$/);
    expect(v1.lineage.sourceFile).toBe("tiny-f32.gguf");

    const v2 = await registry.register({ file: q8, name: "tiny", alias: "production", actor: "test" });
    expect(v2.version).toBe(2);
    expect(v2.quantization).toBe("Q8_0");
    expect(v2.aliases).toEqual(["production"]);
    expect(v2.sizeBytes).toBeLessThan(v1.sizeBytes);
  });

  it("refuses a file that is not GGUF and stores nothing", async () => {
    const before = await store.db.selectFrom("model_versions").select("id").execute();
    const blobsBefore = countFiles(artifactsDir);
    await expect(registry.register({ file: garbage, name: "broken", actor: "test" })).rejects.toMatchObject({
      code: "invalid_request",
    });
    await expect(registry.register({ file: path.join(work, "missing.gguf"), name: "x", actor: "t" })).rejects.toThrow(
      /does not exist/,
    );
    expect(await store.db.selectFrom("model_versions").select("id").execute()).toHaveLength(before.length);
    expect(await store.db.selectFrom("models").select("name").where("name", "=", "broken").execute()).toHaveLength(0);
    expect(countFiles(artifactsDir)).toBe(blobsBefore);
  });

  it("resolves versions, aliases, latest, and a bare name as production", async () => {
    expect((await registry.resolve("tiny@1")).version).toBe(1);
    expect((await registry.resolve("tiny@production")).version).toBe(2);
    expect((await registry.resolve("tiny")).version).toBe(2);
    expect((await registry.resolve("tiny@latest")).version).toBe(2);
    await expect(registry.resolve("tiny@9")).rejects.toThrow(/has no version 9/);
    await expect(registry.resolve("tiny@staging")).rejects.toThrow(/has no alias 'staging'/);
    await expect(registry.resolve("nope")).rejects.toMatchObject({ code: "not_found" });
  });

  it("records every alias move and rolls back through the history", async () => {
    await registry.register({ file: f32, name: "tiny", actor: "test" }); // v3, same bytes as v1
    await registry.setAlias("tiny", 3, "production", "alice", "try v3");
    await registry.setAlias("tiny", 1, "production", "bob");
    expect((await registry.resolve("tiny")).version).toBe(1);

    const back1 = await registry.rollback("tiny", "production", "carol", "v1 is bad");
    expect(back1).toMatchObject({ kind: "rollback", fromVersion: 1, toVersion: 3, actor: "carol" });
    const back2 = await registry.rollback("tiny", "production", "carol");
    expect(back2).toMatchObject({ fromVersion: 3, toVersion: 2 });
    expect((await registry.resolve("tiny")).version).toBe(2);
    await expect(registry.rollback("tiny", "production", "carol")).rejects.toThrow(/no earlier target/);
    await expect(registry.rollback("tiny", "canary", "carol")).rejects.toMatchObject({ code: "not_found" });

    const history = await registry.aliasHistory("tiny", "production");
    expect(history.map((e) => [e.kind, e.fromVersion, e.toVersion, e.actor])).toEqual([
      ["set", null, 2, "test"],
      ["set", 2, 3, "alice"],
      ["set", 3, 1, "bob"],
      ["rollback", 1, 3, "carol"],
      ["rollback", 3, 2, "carol"],
    ]);
    expect(history[1]!.reason).toBe("try v3");
    // The same bytes registered twice are stored once.
    const [v1, v3] = [await registry.resolve("tiny@1"), await registry.resolve("tiny@3")];
    expect(v3.artifactHash).toBe(v1.artifactHash);
  });

  it("keeps the history in move order when moves land in the same millisecond", async () => {
    const moves = Array.from({ length: 40 }, (_, i) => (i % 3) + 1);
    for (const version of moves) await registry.setAlias("tiny", version, "burst", "test");
    const history = await registry.aliasHistory("tiny", "burst");
    expect(history.map((e) => e.toVersion)).toEqual(moves);
  });

  it("rejects bad names, aliases and unknown versions without side effects", async () => {
    await expect(registry.register({ file: f32, name: "bad name!", actor: "t" })).rejects.toBeInstanceOf(LlmopsError);
    await expect(registry.setAlias("tiny", 1, "latest", "t")).rejects.toThrow(/computed/);
    await expect(registry.setAlias("tiny", 42, "staging", "t")).rejects.toThrow(/has no version 42/);
    await expect(registry.register({ file: f32, name: "tiny", actor: "t", tags: { "bad key": "x" } })).rejects.toThrow(
      /Invalid tag key/,
    );
    expect((await registry.getModel("tiny")).versions).toHaveLength(3);
  });

  it("gives concurrent registrations distinct consecutive versions", async () => {
    const versions = await Promise.all(
      Array.from({ length: 6 }, () => registry.register({ file: q8, name: "race", actor: "test" })),
    );
    expect(versions.map((v) => v.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    const model = (await registry.list()).find((m) => m.name === "race");
    expect(model).toMatchObject({ latestVersion: 6, versionCount: 6 });
  });
});

function countFiles(dir: string): number {
  let count = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) if (entry.isFile()) count++;
  return count;
}
