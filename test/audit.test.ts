// The audit trail on both metadata dialects: changes to models, aliases and keys are recorded in
// the same transaction, concurrent writers never fork the chain, and any edit, deletion or
// reordering is detected.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { writeTinyLlama } from "../src/formats/gguf/index.js";
import { ModelRegistry } from "../src/registry/index.js";
import { listAudit, recordAudit, verifyAudit } from "../src/security/audit.js";
import { ApiKeys } from "../src/security/keys.js";
import { openArtifactStore } from "../src/store/artifacts/index.js";
import type { MetadataStore } from "../src/store/metadata/types.js";
import { databaseFactories, freshStoreFor } from "./helpers/databases.js";

const work = mkdtempSync(path.join(tmpdir(), "llmops-audit-"));
const modelFile = path.join(work, "tiny.gguf");
beforeAll(() => writeTinyLlama(modelFile, { type: "Q8_0", seed: 4 }));

describe.each(databaseFactories())("audit trail on %s", (_dialect, createDatabase) => {
  const fresh = freshStoreFor(createDatabase);
  let store: MetadataStore;
  beforeAll(() => {
    store = fresh.store;
  });

  it("records registrations, alias moves, rollbacks and key changes with their actors", async () => {
    const registry = new ModelRegistry(store, await openArtifactStore(`file:${path.join(work, "a")}`, { home: work }));
    const keys = new ApiKeys(store);
    await registry.register({ file: modelFile, name: "m", alias: "production", actor: "alice" });
    await registry.register({ file: modelFile, name: "m", actor: "alice" });
    await registry.setAlias("m", 2, "production", "bob", "promote");
    await registry.rollback("m", "production", "carol");
    const key = await keys.create({ name: "ci", role: "service", createdBy: "alice" });
    await keys.revoke(key.id, "bob");

    const events = (await listAudit(store)).reverse();
    expect(events.map((e) => [e.seq, e.action, e.target, e.actor])).toEqual([
      [1, "model.register", "model:m@1", "alice"],
      [2, "alias.set", "alias:m@production", "alice"],
      [3, "model.register", "model:m@2", "alice"],
      [4, "alias.set", "alias:m@production", "bob"],
      [5, "alias.rollback", "alias:m@production", "carol"],
      [6, "key.create", `key:${key.id}`, "alice"],
      [7, "key.revoke", `key:${key.id}`, "bob"],
    ]);
    expect(events[3]!.details).toEqual({ from: 1, to: 2, reason: "promote" });
    expect(JSON.stringify(events)).not.toContain(key.key); // never the secret
    expect(await verifyAudit(store)).toMatchObject({ ok: true, entries: 7, headSeq: 7 });
  });

  it("keeps one unbroken chain under concurrent writers", async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => recordAudit(store, { actor: `w${i}`, action: "test.write", target: "t" })),
    );
    const result = await verifyAudit(store);
    expect(result).toMatchObject({ ok: true, entries: 27 });
    const seqs = (await listAudit(store, { action: "test.write", limit: 100 })).map((e) => e.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i + 8));
  });

  it("detects an edited entry", async () => {
    await store.db.updateTable("audit_events").set({ actor: "mallory" }).where("seq", "=", 4).execute();
    expect(await verifyAudit(store)).toMatchObject({
      ok: false,
      problem: { seq: 4, reason: expect.stringMatching(/hash/) },
    });
    await store.db.updateTable("audit_events").set({ actor: "bob" }).where("seq", "=", 4).execute();
    expect((await verifyAudit(store)).ok).toBe(true);
  });

  it("detects a deleted entry, in the middle or at the end", async () => {
    const [last] = await store.db.selectFrom("audit_events").selectAll().orderBy("seq", "desc").limit(1).execute();
    await store.db.deleteFrom("audit_events").where("seq", "=", last!.seq).execute();
    expect(await verifyAudit(store)).toMatchObject({ ok: false, problem: { reason: expect.stringMatching(/head/) } });
    await store.db.insertInto("audit_events").values(last!).execute();
    expect((await verifyAudit(store)).ok).toBe(true);

    const [middle] = await store.db.selectFrom("audit_events").selectAll().where("seq", "=", 10).execute();
    await store.db.deleteFrom("audit_events").where("seq", "=", 10).execute();
    expect(await verifyAudit(store)).toMatchObject({
      ok: false,
      problem: { seq: 10, reason: expect.stringMatching(/missing/) },
    });
    await store.db.insertInto("audit_events").values(middle!).execute();
  });

  it("detects a rewritten entry even when its own hash is recomputed", async () => {
    // An attacker who edits entry 5 and fixes its hash still breaks the link from entry 6.
    const { createHash } = await import("node:crypto");
    const [row] = await store.db.selectFrom("audit_events").selectAll().where("seq", "=", 5).execute();
    const forged = { ...row!, actor: "mallory" };
    const fields = [
      Number(forged.seq),
      forged.id,
      forged.at,
      forged.actor,
      forged.action,
      forged.target,
      forged.details_json,
    ];
    const hash = createHash("sha256")
      .update(forged.prev_hash)
      .update("\n")
      .update(JSON.stringify(fields))
      .digest("hex");
    await store.db.updateTable("audit_events").set({ actor: "mallory", hash }).where("seq", "=", 5).execute();
    expect(await verifyAudit(store)).toMatchObject({ ok: false, problem: { seq: 6 } });
  });
});
