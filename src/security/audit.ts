// The audit trail: every change to models, aliases and keys (and, later, datasets) appends one
// entry in the same transaction as the change. Entries are hash-chained —
// hash = sha256(prev_hash ‖ the entry's fields) — and the tip is kept in `audit_head`, so editing,
// reordering or deleting any entry (including the last ones) is detected by `verifyAudit`.
// Anyone who can rewrite the whole database can rewrite the whole chain: anchor the head hash
// outside it (`llmops audit verify --json` prints it) to make that detectable too.
import { createHash } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import { ulid } from "ulid";
import { z } from "zod";
import type { MetadataStore } from "../store/metadata/types.js";
import type { AuditEventRow, Database } from "../store/schema.js";
import { parseOrThrow } from "../validation.js";

export const GENESIS_HASH = "0".repeat(64);

export interface AuditEntry {
  actor: string;
  /** Dotted verb, e.g. `model.register`, `alias.set`, `key.revoke`. */
  action: string;
  /** What it acted on, e.g. `model:tiny@3`, `alias:tiny@production`, `key:01J…`. */
  target: string;
  details?: Record<string, unknown>;
}

export interface AuditEvent {
  seq: number;
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

function entryHash(prevHash: string, row: Omit<AuditEventRow, "prev_hash" | "hash">): string {
  const fields = [row.seq, row.id, row.at, row.actor, row.action, row.target, row.details_json];
  return createHash("sha256").update(prevHash).update("\n").update(JSON.stringify(fields)).digest("hex");
}

/** Appends an entry inside the caller's transaction, so the audit record commits (or not) with the change. */
export async function appendAudit(trx: Transaction<Database>, entry: AuditEntry): Promise<AuditEvent> {
  // Taking the next number first locks the head row until commit: concurrent writers queue here.
  const head = await trx
    .updateTable("audit_head")
    .set((eb) => ({ seq: eb("seq", "+", 1) }))
    .where("id", "=", 1)
    .returning(["seq", "hash"])
    .executeTakeFirstOrThrow();
  const row = {
    seq: Number(head.seq),
    id: ulid(),
    at: new Date().toISOString(),
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    details_json: JSON.stringify(entry.details ?? {}),
  };
  const hash = entryHash(head.hash, row);
  await trx
    .insertInto("audit_events")
    .values({ ...row, prev_hash: head.hash, hash })
    .execute();
  await trx.updateTable("audit_head").set({ hash }).where("id", "=", 1).execute();
  return toEvent({ ...row, prev_hash: head.hash, hash });
}

/** Appends an entry in a transaction of its own (for events that change nothing else). */
export function recordAudit(store: MetadataStore, entry: AuditEntry): Promise<AuditEvent> {
  return store.db.transaction().execute((trx) => appendAudit(trx, entry));
}

export const auditQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  action: z.string().min(1).optional(),
  target: z.string().min(1).optional(),
  /** Only entries with a sequence number below this (for paging backwards). */
  before: z.coerce.number().int().min(1).optional(),
});
export type AuditQuery = z.input<typeof auditQuerySchema>;

/** Newest first. */
export async function listAudit(store: MetadataStore, query: AuditQuery = {}): Promise<AuditEvent[]> {
  const q = parseOrThrow(auditQuerySchema, query, "query");
  let select = store.db.selectFrom("audit_events").selectAll().orderBy("seq", "desc").limit(q.limit);
  if (q.action) select = select.where("action", "=", q.action);
  if (q.target) select = select.where("target", "=", q.target);
  if (q.before) select = select.where("seq", "<", q.before);
  return (await select.execute()).map(toEvent);
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  headSeq: number;
  headHash: string;
  /** The first entry that does not match the chain, and why. */
  problem: { seq: number; reason: string } | null;
}

/** Recomputes the whole chain (in pages, so memory stays flat) and compares it with the head. */
export async function verifyAudit(store: MetadataStore, pageSize = 5000): Promise<AuditVerification> {
  const db: Kysely<Database> = store.db;
  const head = await db.selectFrom("audit_head").select(["seq", "hash"]).where("id", "=", 1).executeTakeFirst();
  const headSeq = Number(head?.seq ?? 0);
  const headHash = head?.hash ?? GENESIS_HASH;
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let entries = 0;
  const fail = (seq: number, reason: string): AuditVerification => ({
    ok: false,
    entries,
    headSeq,
    headHash,
    problem: { seq, reason },
  });
  for (;;) {
    const page = await db
      .selectFrom("audit_events")
      .selectAll()
      .where("seq", ">=", expectedSeq)
      .orderBy("seq")
      .limit(pageSize)
      .execute();
    for (const row of page) {
      const seq = Number(row.seq);
      if (seq !== expectedSeq) return fail(expectedSeq, `entry ${expectedSeq} is missing (next is ${seq})`);
      if (row.prev_hash !== prevHash) return fail(seq, "its prev_hash does not match the entry before it");
      if (entryHash(prevHash, { ...row, seq }) !== row.hash) return fail(seq, "its content does not match its hash");
      prevHash = row.hash;
      expectedSeq++;
      entries++;
    }
    if (page.length < pageSize) break;
  }
  if (entries !== headSeq) return fail(entries + 1, `the head says ${headSeq} entries but the log has ${entries}`);
  if (prevHash !== headHash) return fail(headSeq, "the last entry's hash does not match the head");
  return { ok: true, entries, headSeq, headHash, problem: null };
}

function toEvent(row: AuditEventRow): AuditEvent {
  let details: Record<string, unknown> = {};
  try {
    details = JSON.parse(row.details_json) as Record<string, unknown>;
  } catch {
    // kept as {}: verifyAudit reports tampering, listing must still work
  }
  return {
    seq: Number(row.seq),
    id: row.id,
    at: row.at,
    actor: row.actor,
    action: row.action,
    target: row.target,
    details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
