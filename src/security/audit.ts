// The audit trail: every change to models, aliases and keys (and, later, datasets) appends one
// entry in the same transaction as the change. Entries are hash-chained —
// hash = sha256(prev_hash ‖ the entry's fields) — and the tip is kept in `audit_head`, so editing,
// reordering or deleting any entry (including the last ones) is detected by `verifyAudit`.
// Anyone who can rewrite the whole database can rewrite the whole chain: anchor the head hash
// outside it (`llmops audit verify --json` prints it) to make that detectable too.
import { randomFillSync } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import { ulid } from "ulid";
import { z } from "zod";
import { LlmopsError } from "../errors.js";
import { insertMany } from "../store/metadata/insert-many.js";
import type { MetadataStore } from "../store/metadata/types.js";
import type { AuditEventRow, Database } from "../store/schema.js";
import { sha256 } from "../util/sha256.js";
import { parseOrThrow } from "../validation.js";

export const GENESIS_HASH = "0".repeat(64);

// Entry ids are ULIDs. The `ulid` package asks WebCrypto for each random character by default —
// the most expensive part of a batched append at gateway rates (measured); hand it random bytes
// from a pooled buffer instead (same format, 16 × 5 uniform random bits, since 256 % 32 === 0).
const randomPool = Buffer.allocUnsafe(8192);
let randomOffset = randomPool.length;
function pooledRandom(): number {
  if (randomOffset >= randomPool.length) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  return randomPool[randomOffset++]! / 256;
}

export interface AuditEntry {
  actor: string;
  /** Dotted verb, e.g. `model.register`, `alias.set`, `key.revoke`. */
  action: string;
  /** What it acted on, e.g. `model:tiny@3`, `alias:tiny@production`, `key:01J…`. */
  target: string;
  details?: Record<string, unknown>;
  /** When it happened (ISO); default: when it is appended. Request entries carry their arrival time. */
  at?: string;
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
  // One string, one call: the same digest as hashing prevHash, "\n" and the fields in turn.
  return sha256(`${prevHash}\n${JSON.stringify(fields)}`);
}

/** Appends an entry inside the caller's transaction, so the audit record commits (or not) with the change. */
export async function appendAudit(trx: Transaction<Database>, entry: AuditEntry): Promise<AuditEvent> {
  const [event] = await appendAuditBatch(trx, [entry]);
  return event!;
}

/**
 * Appends entries in order inside the caller's transaction. Reserving the sequence numbers first
 * (`UPDATE audit_head SET seq = seq + n … RETURNING`) takes the head row's lock until commit — a row
 * lock on PostgreSQL, the database write lock on SQLite — so concurrent writers, in this process or
 * in other gateway instances, queue there and the chain never forks.
 */
export async function appendAuditBatch(
  trx: Transaction<Database>,
  entries: readonly AuditEntry[],
): Promise<AuditEvent[]> {
  return (await appendRows(trx, entries)).map(toEvent);
}

async function appendRows(trx: Transaction<Database>, entries: readonly AuditEntry[]): Promise<AuditEventRow[]> {
  if (entries.length === 0) return [];
  const head = await trx
    .updateTable("audit_head")
    .set((eb) => ({ seq: eb("seq", "+", entries.length) }))
    .where("id", "=", 1)
    .returning(["seq", "hash"])
    .executeTakeFirstOrThrow();
  let seq = Number(head.seq) - entries.length;
  let prevHash = head.hash;
  const now = new Date().toISOString();
  const rows: AuditEventRow[] = entries.map((entry) => {
    seq++;
    const row = {
      seq,
      id: ulid(undefined, pooledRandom),
      at: entry.at ?? now,
      actor: entry.actor,
      action: entry.action,
      target: entry.target,
      details_json: JSON.stringify(entry.details ?? {}),
    };
    const hash = entryHash(prevHash, row);
    const full = { ...row, prev_hash: prevHash, hash };
    prevHash = hash;
    return full;
  });
  await insertMany(trx, "audit_events", rows);
  await trx.updateTable("audit_head").set({ hash: prevHash }).where("id", "=", 1).execute();
  return rows;
}

/** Appends entries in a transaction of their own (the audit writer's batches). */
export async function appendAuditEntries(store: MetadataStore, entries: readonly AuditEntry[]): Promise<void> {
  // The rows only: nobody reads these entries back here, so they are not parsed into events.
  await store.db.transaction().execute((trx) => appendRows(trx, entries));
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
  /** Entries up to this one were removed by retention (0: none). */
  baseSeq: number;
  /** The first entry that does not match the chain, and why. */
  problem: { seq: number; reason: string } | null;
}

/** The action of the checkpoint entry that retention appends when it prunes the oldest entries. */
export const PRUNE_ACTION = "audit.prune";

/**
 * Recomputes the whole chain (in pages, so memory stays flat) and compares it with the head. After
 * retention pruned entries, the chain starts at the head's base (base_seq, base_hash), which must
 * match the newest `audit.prune` checkpoint in the kept chain: deleting more old entries and moving
 * the base therefore breaks either the checkpoint's hash or the match.
 */
export async function verifyAudit(store: MetadataStore, pageSize = 5000): Promise<AuditVerification> {
  const db: Kysely<Database> = store.db;
  const head = await db.selectFrom("audit_head").selectAll().where("id", "=", 1).executeTakeFirst();
  const headSeq = Number(head?.seq ?? 0);
  const headHash = head?.hash ?? GENESIS_HASH;
  const baseSeq = Number(head?.base_seq ?? 0);
  const baseHash = head?.base_hash ?? GENESIS_HASH;
  let prevHash = baseHash;
  let expectedSeq = baseSeq + 1;
  let entries = 0;
  let lastCheckpoint: { seq: number; throughSeq: unknown; throughHash: unknown } | null = null;
  const fail = (seq: number, reason: string): AuditVerification => ({
    ok: false,
    entries,
    headSeq,
    headHash,
    baseSeq,
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
      if (row.action === PRUNE_ACTION) {
        const details = parseDetails(row.details_json);
        lastCheckpoint = { seq, throughSeq: details.throughSeq, throughHash: details.throughHash };
      }
      prevHash = row.hash;
      expectedSeq++;
      entries++;
    }
    if (page.length < pageSize) break;
  }
  if (baseSeq > 0) {
    if (lastCheckpoint === null) {
      return fail(baseSeq + 1, `entries up to ${baseSeq} were removed without a retention checkpoint`);
    }
    if (lastCheckpoint.throughSeq !== baseSeq || lastCheckpoint.throughHash !== baseHash) {
      return fail(
        baseSeq + 1,
        `the chain starts after entry ${baseSeq}, but the newest retention checkpoint (entry ${lastCheckpoint.seq}) pruned through ${String(lastCheckpoint.throughSeq)}`,
      );
    }
  }
  if (baseSeq + entries !== headSeq) {
    return fail(baseSeq + entries + 1, `the head says ${headSeq} entries but the log ends at ${baseSeq + entries}`);
  }
  if (prevHash !== headHash) return fail(headSeq, "the last entry's hash does not match the head");
  return { ok: true, entries, headSeq, headHash, baseSeq, problem: null };
}

export interface PruneResult {
  /** Entries removed by this call (0: nothing was old enough; no checkpoint is written then). */
  removed: number;
  /** The chain now starts after this entry. */
  baseSeq: number;
  baseHash: string;
  /** The checkpoint entry appended, if any. */
  checkpoint: AuditEvent | null;
}

/**
 * Retention: removes entries older than `before` (never the newest entry), in one transaction with
 * a hash-chained `audit.prune` checkpoint that records the last removed entry's number and hash,
 * and moves the chain's base there. The kept chain stays verifiable (see verifyAudit). Concurrent
 * prunes and appends queue on the head row, as appends do.
 */
export async function pruneAudit(
  store: MetadataStore,
  options: { before: Date; actor: string; reason?: string | undefined },
): Promise<PruneResult> {
  if (!Number.isFinite(options.before.getTime()))
    throw new LlmopsError("invalid_request", "The prune cutoff is not a valid time.");
  const cutoff = options.before.toISOString();
  return store.db.transaction().execute(async (trx) => {
    // Lock the head first (a no-op update takes the row lock) so no append slips in between.
    const head = await trx
      .updateTable("audit_head")
      .set((eb) => ({ seq: eb("seq", "+", 0) }))
      .where("id", "=", 1)
      .returning(["seq", "hash", "base_seq", "base_hash"])
      .executeTakeFirstOrThrow();
    const headSeq = Number(head.seq);
    const baseSeq = Number(head.base_seq);
    // Only a prefix of the chain can go, and only entries older than the cutoff: stop before the
    // first young one (request entries carry their arrival time, so times are not strictly in
    // chain order), and always keep the newest entry.
    const firstYoung = await trx
      .selectFrom("audit_events")
      .select((eb) => eb.fn.min("seq").as("seq"))
      .where("at", ">=", cutoff)
      .executeTakeFirst();
    const youngSeq = firstYoung?.seq === null || firstYoung?.seq === undefined ? headSeq : Number(firstYoung.seq);
    const throughCandidate = Math.min(youngSeq - 1, headSeq - 1);
    const last =
      throughCandidate > baseSeq
        ? await trx
            .selectFrom("audit_events")
            .select(["seq", "hash"])
            .where("seq", "=", throughCandidate)
            .executeTakeFirst()
        : undefined;
    if (last === undefined) {
      return { removed: 0, baseSeq, baseHash: head.base_hash, checkpoint: null };
    }
    const throughSeq = Number(last.seq);
    const checkpoint = await appendAudit(trx, {
      actor: options.actor,
      action: PRUNE_ACTION,
      target: "audit",
      details: {
        throughSeq,
        throughHash: last.hash,
        removed: throughSeq - baseSeq,
        before: cutoff,
        ...(options.reason ? { reason: options.reason } : {}),
      },
    });
    await trx.deleteFrom("audit_events").where("seq", "<=", throughSeq).execute();
    await trx
      .updateTable("audit_head")
      .set({ base_seq: throughSeq, base_hash: last.hash })
      .where("id", "=", 1)
      .execute();
    return { removed: throughSeq - baseSeq, baseSeq: throughSeq, baseHash: last.hash, checkpoint };
  });
}

export const exportQuerySchema = z.object({
  /** Only entries at or after this time (ISO 8601). */
  since: z.iso.datetime({ offset: true }).optional(),
  /** Only entries with a sequence number above this (resume an export). */
  after: z.coerce.number().int().min(0).optional(),
  action: z.string().min(1).optional(),
});
export type ExportQuery = z.input<typeof exportQuerySchema>;

/** Every matching entry, oldest first, read in pages so an export of millions stays flat in memory. */
export async function* exportAudit(
  store: MetadataStore,
  query: ExportQuery = {},
  pageSize = 2000,
): AsyncGenerator<AuditEvent> {
  const q = parseOrThrow(exportQuerySchema, query, "query");
  let after = q.after ?? 0;
  const since = q.since === undefined ? undefined : new Date(q.since).toISOString();
  for (;;) {
    let select = store.db
      .selectFrom("audit_events")
      .selectAll()
      .where("seq", ">", after)
      .orderBy("seq")
      .limit(pageSize);
    if (since !== undefined) select = select.where("at", ">=", since);
    if (q.action) select = select.where("action", "=", q.action);
    const page = await select.execute();
    for (const row of page) yield toEvent(row);
    if (page.length < pageSize) return;
    after = Number(page[page.length - 1]!.seq);
  }
}

function parseDetails(json: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
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
