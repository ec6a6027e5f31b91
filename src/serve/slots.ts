// A fixed set of execution slots (llama.cpp context sequences) handed out first come, first served.
// One slot per generation means a sequence's KV cache is never shared by two requests; a bounded
// queue turns overload into a quick 503 the gateway can route around instead of unbounded latency.
import { LlmopsError, unavailable } from "../errors.js";

interface Waiter<T> {
  resolve: (slot: T) => void;
  reject: (error: unknown) => void;
  cleanup: () => void;
}

export class SlotPool<T> {
  private readonly free: T[];
  private readonly waiters: Waiter<T>[] = [];
  private readonly total: number;
  private closed = false;

  constructor(
    slots: readonly T[],
    private readonly maxQueue: number,
  ) {
    this.free = [...slots];
    this.total = slots.length;
  }

  get active(): number {
    return this.total - this.free.length;
  }

  get queued(): number {
    return this.waiters.length;
  }

  /** Resolves with a free slot; rejects if the signal aborts first, the queue is full or the pool closes. */
  acquire(signal?: AbortSignal): Promise<T> {
    if (this.closed) return Promise.reject(unavailable("The model is shutting down; retry on another worker."));
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const slot = this.free.pop();
    if (slot !== undefined) return Promise.resolve(slot);
    if (this.waiters.length >= this.maxQueue) {
      return Promise.reject(
        new LlmopsError(
          "unavailable",
          `The worker is busy (${this.total} running, ${this.waiters.length} queued); retry later or add workers.`,
        ),
      );
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(abortError(signal));
      };
      const waiter: Waiter<T> = {
        resolve,
        reject,
        cleanup: () => signal?.removeEventListener("abort", onAbort),
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  release(slot: T): void {
    const next = this.waiters.shift();
    if (next) {
      next.cleanup();
      next.resolve(slot);
    } else {
      this.free.push(slot);
    }
  }

  /** Rejects everyone waiting; slots in use are still released normally. */
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) {
      w.cleanup();
      w.reject(unavailable("The model is shutting down; retry on another worker."));
    }
  }

  /** Resolves once every slot is back (or after `timeoutMs`). */
  async drained(timeoutMs: number): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.free.length < this.total && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  }
}

export function abortError(signal?: AbortSignal): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  const error = new Error("The request was aborted.");
  error.name = "AbortError";
  return error;
}
