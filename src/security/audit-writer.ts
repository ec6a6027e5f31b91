// Batched appends to the audit chain for entries produced at gateway rates (one per request). The
// request path only pushes onto an array; a background loop appends up to maxBatch entries per
// transaction (appendAuditBatch: the head row is locked for the batch, so several gateway
// instances writing to one PostgreSQL chain interleave whole batches and the chain stays valid).
// Entries keep their arrival order. A failed batch is retried (with backoff) before anything newer,
// so a database hiccup delays entries instead of losing them; close() writes everything queued
// before it returns (graceful shutdown). Only a full queue — the database down for long at high
// traffic — or a close() that cannot finish within its deadline drops entries, counted and reported.
import type { MetadataStore } from "../store/metadata/types.js";
import { type AuditEntry, appendAuditEntries } from "./audit.js";

export interface AuditWriterOptions {
  /**
   * Appends one batch in one transaction (default: appendAuditEntries on `store`, in this thread).
   * `llmops gateway` passes the background writer thread's job instead (src/platform/background).
   */
  append?: (entries: AuditEntry[]) => Promise<void>;
  /** Append as soon as this many entries wait (default 500). */
  maxBatch?: number;
  /** Append entries at most this long after they arrive (default 200 ms). */
  flushMs?: number;
  /** Entries kept while the database is slow or down; newer ones are dropped beyond it (default 200 000). */
  maxQueue?: number;
  /** Longest wait between retries of a failed batch (default 5 000 ms; starts at 100 ms). */
  maxRetryDelayMs?: number;
  /** Told about each appended batch (metrics). */
  onBatch?: (entries: number, seconds: number) => void;
  /** Told about failed appends (they are retried) and dropped entries. */
  onError?: (error: unknown, dropped: number) => void;
}

export interface AuditWriter {
  /** Queues an entry; never throws, never waits. */
  record(entry: AuditEntry): void;
  /** Appends everything queued so far (retrying failures) and waits for it. */
  flush(): Promise<void>;
  /** Flushes (giving up after deadlineMs, default 30 s) and then refuses new entries. */
  close(deadlineMs?: number): Promise<void>;
  /** Replaces the callbacks (the server owns the metrics, the platform owns the writer). */
  observe(hooks: Pick<AuditWriterOptions, "onBatch" | "onError">): void;
  readonly pending: number;
  readonly dropped: number;
  readonly appended: number;
}

export function createAuditWriter(store: MetadataStore, options: AuditWriterOptions = {}): AuditWriter {
  const maxBatch = Math.max(1, options.maxBatch ?? 500);
  const flushMs = Math.max(0, options.flushMs ?? 200);
  const maxQueue = Math.max(maxBatch, options.maxQueue ?? 200_000);
  const maxRetryDelayMs = Math.max(1, options.maxRetryDelayMs ?? 5_000);
  const append = options.append ?? ((entries: AuditEntry[]) => appendAuditEntries(store, entries));
  let onBatch = options.onBatch;
  let onError = options.onError;
  const report = (error: unknown, dropped: number) => {
    try {
      onError?.(error, dropped);
    } catch {
      // a failing callback must not break the request path
    }
  };

  let queue: AuditEntry[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> | undefined;
  let closed = false;
  let giveUpAt = Number.POSITIVE_INFINITY;
  let dropped = 0;
  let appended = 0;

  const arm = (delay: number) => {
    if (timer !== undefined || queue.length === 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      void start();
    }, delay);
    timer.unref();
  };

  const write = async (batch: AuditEntry[]) => {
    const started = performance.now();
    await append(batch);
    appended += batch.length;
    onBatch?.(batch.length, (performance.now() - started) / 1000);
  };

  // One batch at a time, oldest first. The batch leaves the queue only once it committed.
  const drain = async () => {
    let delay = 100;
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      try {
        await write(batch);
        queue = queue.slice(batch.length);
        delay = 100;
      } catch (error) {
        if (Date.now() + delay > giveUpAt) {
          const lost = queue.length;
          queue = [];
          dropped += lost;
          report(error, lost);
          return;
        }
        report(error, 0);
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
        delay = Math.min(delay * 2, maxRetryDelayMs);
      }
      // Between full batches keep going; a partial batch waits for more unless someone flushes.
      if (queue.length < maxBatch && !closed && flushing === 0) break;
    }
  };

  let flushing = 0;
  const start = (): Promise<void> => {
    if (writing === undefined) {
      if (timer !== undefined) {
        clearTimeout(timer);
        timer = undefined;
      }
      writing = drain().finally(() => {
        writing = undefined;
        arm(flushMs);
      });
    }
    return writing;
  };

  return {
    record(entry) {
      if (closed) {
        dropped++;
        report(new Error("the audit writer is closed"), 1);
        return;
      }
      if (queue.length >= maxQueue) {
        dropped++;
        report(new Error(`the audit queue is full (${maxQueue} entries); the database is too slow or down`), 1);
        return;
      }
      queue.push(entry);
      if (writing !== undefined) return;
      if (queue.length >= maxBatch) void start();
      else arm(flushMs);
    },
    async flush() {
      flushing++;
      try {
        while (queue.length > 0 || writing !== undefined) await (writing ?? start());
      } finally {
        flushing--;
      }
    },
    async close(deadlineMs = 30_000) {
      closed = true;
      giveUpAt = Date.now() + deadlineMs;
      await this.flush();
      if (timer !== undefined) clearTimeout(timer);
    },
    observe(hooks) {
      onBatch = hooks.onBatch;
      onError = hooks.onError;
    },
    get pending() {
      return queue.length;
    },
    get dropped() {
      return dropped;
    },
    get appended() {
      return appended;
    },
  };
}
