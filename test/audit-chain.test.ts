// The audit chain at gateway rates, on both metadata dialects: batched appends from several
// "instances" (separate connections) interleave without forking the chain or losing entries, each
// writer's order is kept, close() writes everything (graceful shutdown), any modified, deleted or
// reordered entry is detected, retention prunes behind a checkpoint that keeps the rest verifiable
// (and catches a moved base), and export streams oldest first with --since.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportAudit, listAudit, pruneAudit, recordAudit, verifyAudit } from "../src/security/audit.js";
import { createAuditWriter } from "../src/security/audit-writer.js";
import { openMetadataStore } from "../src/store/metadata/index.js";
import type { MetadataStore } from "../src/store/metadata/types.js";
import { databaseFactories, type TestDatabase } from "./helpers/databases.js";

const DAY = 86_400_000;

describe.each(databaseFactories())("audit chain on %s", (dialect, createDatabase) => {
  let database: TestDatabase;
  let a: MetadataStore;
  let b: MetadataStore;

  beforeAll(async () => {
    database = await createDatabase();
    a = await openMetadataStore(database.url);
    b = await openMetadataStore(database.url); // a second gateway instance: its own connection(s)
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await database?.drop();
  });

  it("keeps one valid chain with batched writers on two instances plus admin actions", async () => {
    // SQLite is one process's database: better-sqlite3 connections in one thread would block each
    // other inside the busy handler, so the "second instance" shares the connection there.
    const other = dialect === "sqlite" ? a : b;
    const old = new Date(Date.now() - 40 * DAY).toISOString();
    const early = createAuditWriter(a, { maxBatch: 64, flushMs: 5 });
    for (let i = 0; i < 300; i++)
      early.record({ actor: "gw-old", action: "gateway.request", target: "model:m", at: old });
    await early.close();

    const wa = createAuditWriter(a, { maxBatch: 50, flushMs: 5 });
    const wb = createAuditWriter(other, { maxBatch: 70, flushMs: 5 });
    const admin: Promise<unknown>[] = [];
    for (let i = 0; i < 600; i++) {
      wa.record({ actor: "gw-a", action: "gateway.request", target: "model:m", details: { i } });
      wb.record({ actor: "gw-b", action: "gateway.request", target: "model:m", details: { i } });
      if (i % 100 === 0) admin.push(recordAudit(other, { actor: "admin", action: "key.revoke", target: `key:${i}` }));
      if (i % 150 === 0) await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await Promise.all(admin);
    await Promise.all([wa.close(), wb.close()]); // graceful shutdown writes everything queued
    expect(wa.appended + wb.appended).toBe(1200);
    expect(wa.dropped + wb.dropped).toBe(0);
    wa.record({ actor: "late", action: "x", target: "y" });
    expect(wa.dropped).toBe(1); // a closed writer refuses (and counts) instead of losing silently
    const result = await verifyAudit(a);
    expect(result).toMatchObject({ ok: true, entries: 1506, headSeq: 1506 });
    for (const actor of ["gw-a", "gw-b"]) {
      const order = [];
      for await (const event of exportAudit(a, { action: "gateway.request" })) {
        if (event.actor === actor) order.push(event.details.i);
      }
      expect(order).toEqual(Array.from({ length: 600 }, (_, i) => i));
    }
  }, 60_000);

  it("detects a modified, a deleted and a reordered entry", async () => {
    const pick = async (seq: number) =>
      await a.db.selectFrom("audit_events").selectAll().where("seq", "=", seq).executeTakeFirstOrThrow();

    const row = await pick(300);
    await a.db.updateTable("audit_events").set({ details_json: '{"i":9999}' }).where("seq", "=", 300).execute();
    expect(await verifyAudit(a)).toMatchObject({
      ok: false,
      problem: { seq: 300, reason: expect.stringMatching(/hash/) },
    });
    await a.db.updateTable("audit_events").set({ details_json: row.details_json }).where("seq", "=", 300).execute();

    const deleted = await pick(301);
    await a.db.deleteFrom("audit_events").where("seq", "=", 301).execute();
    expect(await verifyAudit(a)).toMatchObject({
      ok: false,
      problem: { seq: 301, reason: expect.stringMatching(/missing/) },
    });
    await a.db.insertInto("audit_events").values(deleted).execute();

    // Swap two entries' positions (sequence numbers), as someone hiding an order of events would.
    const x = await pick(400);
    const y = await pick(401);
    await a.db.updateTable("audit_events").set({ seq: -1 }).where("seq", "=", 400).execute();
    await a.db.updateTable("audit_events").set({ seq: 400 }).where("seq", "=", 401).execute();
    await a.db.updateTable("audit_events").set({ seq: 401 }).where("seq", "=", -1).execute();
    expect(await verifyAudit(a)).toMatchObject({ ok: false, problem: { seq: 400 } });
    await a.db.deleteFrom("audit_events").where("seq", "in", [400, 401]).execute();
    await a.db.insertInto("audit_events").values([x, y]).execute();
    expect((await verifyAudit(a)).ok).toBe(true);
  });

  it("prunes old entries behind a checkpoint; the kept chain verifies and a moved base is caught", async () => {
    const before = await verifyAudit(a);
    const result = await pruneAudit(a, { before: new Date(Date.now() - 30 * DAY), actor: "test" });
    expect(result.removed).toBe(300); // exactly the old prefix, none of the young entries
    expect(result.checkpoint).toMatchObject({ action: "audit.prune", details: { throughSeq: result.baseSeq } });
    const after = await verifyAudit(a);
    expect(after).toMatchObject({ ok: true, baseSeq: result.baseSeq, headSeq: before.headSeq + 1 });
    expect(after.entries).toBe(before.headSeq + 1 - result.baseSeq);
    // Nothing older is left: a second prune is a no-op and writes no checkpoint.
    expect(await pruneAudit(a, { before: new Date(Date.now() - 30 * DAY), actor: "test" })).toMatchObject({
      removed: 0,
      checkpoint: null,
    });

    // Deleting more of the oldest kept entries and moving the base to match them is detected.
    const next = await a.db
      .selectFrom("audit_events")
      .selectAll()
      .where("seq", "=", result.baseSeq + 1)
      .executeTakeFirstOrThrow();
    await a.db.deleteFrom("audit_events").where("seq", "=", next.seq).execute();
    await a.db
      .updateTable("audit_head")
      .set({ base_seq: next.seq, base_hash: next.hash })
      .where("id", "=", 1)
      .execute();
    expect(await verifyAudit(a)).toMatchObject({ ok: false, problem: { reason: expect.stringMatching(/checkpoint/) } });
    await a.db.insertInto("audit_events").values(next).execute();
    await a.db
      .updateTable("audit_head")
      .set({ base_seq: result.baseSeq, base_hash: result.baseHash })
      .where("id", "=", 1)
      .execute();
    expect((await verifyAudit(a)).ok).toBe(true);

    // Removing the checkpoint entry itself breaks the chain.
    const checkpoint = result.checkpoint!;
    const saved = await a.db
      .selectFrom("audit_events")
      .selectAll()
      .where("seq", "=", checkpoint.seq)
      .executeTakeFirstOrThrow();
    await a.db.deleteFrom("audit_events").where("seq", "=", checkpoint.seq).execute();
    expect((await verifyAudit(a)).ok).toBe(false);
    await a.db.insertInto("audit_events").values(saved).execute();
    expect((await verifyAudit(a)).ok).toBe(true);
  });

  it("exports oldest first, from a time on", async () => {
    const since = new Date(Date.now() - DAY).toISOString();
    const seqs: number[] = [];
    for await (const event of exportAudit(a, { since }, 100)) {
      expect(event.at >= since).toBe(true);
      seqs.push(event.seq);
    }
    expect(seqs.length).toBe(1206 + 1);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect((await listAudit(a, { limit: 1 }))[0]!.seq).toBe(seqs.at(-1));
    await expect(exportAudit(a, { since: "last tuesday" }).next()).rejects.toMatchObject({ code: "invalid_request" });
  });
});
