// The request log: one row per /v1 request (never the prompt), written in batches so the hot path only
// pushes onto an array.
import type { NewRequest } from "../store/schema.js";

export interface BatchedRecorderOptions {
  /** Write as soon as this many rows wait (default 200). */
  maxBatch?: number;
  /** Write rows at most this long after they arrive (default 1000 ms). */
  flushMs?: number;
  /** Rows kept while writes are slow or failing; newer rows are dropped beyond it (default 100 000). */
  maxQueue?: number;
  /** Told about failed writes and dropped rows; rows of a failed write are not retried. */
  onError?: (error: unknown, droppedRows: number) => void;
}

export interface BatchedRecorder<Row = NewRequest> {
  /** Queues a row; never throws, never waits. Pass this as GatewayDeps.recordRequest. */
  record(row: Row): void;
  /** Writes everything queued so far and waits for it. */
  flush(): Promise<void>;
  /** Flushes, then drops (and counts) any row recorded afterwards. */
  close(): Promise<void>;
  /** Rows waiting to be written. */
  readonly pending: number;
  /** Rows lost to failed writes, a full queue or a closed recorder. */
  readonly dropped: number;
}

export function createBatchedRequestRecorder<Row = NewRequest>(
  write: (rows: Row[]) => Promise<void>,
  options: BatchedRecorderOptions = {},
): BatchedRecorder<Row> {
  const maxBatch = Math.max(1, options.maxBatch ?? 200);
  const flushMs = Math.max(0, options.flushMs ?? 1000);
  const maxQueue = Math.max(maxBatch, options.maxQueue ?? 100_000);
  const onError = options.onError ?? (() => {});

  let queue: Row[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> | undefined;
  let closed = false;
  let dropped = 0;

  const drop = (count: number, error: unknown) => {
    dropped += count;
    try {
      onError(error, count);
    } catch {
      // A failing error callback must not break the request path.
    }
  };

  const armTimer = () => {
    if (timer === undefined && queue.length > 0) {
      timer = setTimeout(() => {
        timer = undefined;
        void startWrite(true);
      }, flushMs);
      timer.unref();
    }
  };

  // One write at a time, in arrival order. Rows that arrive during a write form the next batch:
  // written at once when full (or when flushing), else after flushMs like any other partial batch.
  const drain = async (all: boolean): Promise<void> => {
    while (queue.length >= maxBatch || (all && queue.length > 0)) {
      const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
      queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
      try {
        await write(batch);
      } catch (error) {
        drop(batch.length, error);
      }
    }
  };

  const startWrite = (all: boolean): Promise<void> => {
    if (writing === undefined) {
      if (all && timer !== undefined) {
        clearTimeout(timer);
        timer = undefined;
      }
      writing = drain(all).finally(() => {
        writing = undefined;
        armTimer();
      });
    }
    return writing;
  };

  return {
    record(row: Row) {
      if (closed) {
        drop(1, new Error("request recorder is closed"));
        return;
      }
      if (queue.length >= maxQueue) {
        drop(1, new Error(`request log queue is full (${maxQueue} rows); the store is too slow or failing`));
        return;
      }
      queue.push(row);
      if (writing !== undefined) return; // the running write picks it up or re-arms the timer
      if (queue.length >= maxBatch) void startWrite(false);
      else armTimer();
    },
    async flush() {
      // A write in progress may leave rows that arrived during it: loop until nothing waits.
      while (queue.length > 0 || writing !== undefined) {
        // A running write may be a full-batches-only one: wait for it, then write everything.
        await (writing ?? startWrite(true));
      }
    },
    async close() {
      closed = true;
      await this.flush();
    },
    get pending() {
      return queue.length;
    },
    get dropped() {
      return dropped;
    },
  };
}
