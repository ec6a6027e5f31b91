// The writer thread: runs the background jobs (jobs.ts) in a worker thread with its own connection
// to the metadata store, so the gateway's event loop only queues rows and posts a batch now and
// then. Started on the first job; jobs run one at a time in posting order. If the thread dies, the
// jobs in flight fail (the batched writers retry or count them, as for any failed write) and the
// next job starts a new thread.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { LlmopsError } from "../../errors.js";
import type { JobName, JobPayload, JobResult, JobRunner } from "./jobs.js";
import type { FromThread, ToThread } from "./thread-entry.js";

/** thread-entry.js beside this file; from the TypeScript sources (vitest), its compiled twin in dist/. */
function entryScript(): URL {
  const beside = new URL("./thread-entry.js", import.meta.url);
  if (existsSync(beside)) return beside;
  const compiled = new URL(beside.href.replace("/src/platform/background/", "/dist/src/platform/background/"));
  if (existsSync(compiled)) return compiled;
  throw new LlmopsError(
    "unavailable",
    `The writer thread's script ${fileURLToPath(beside)} is missing: build the project first (npm run build).`,
  );
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export function startJobThread(databaseUrl: string): JobRunner {
  let worker: Worker | undefined;
  let closing: Promise<void> | undefined;
  let nextId = 1;
  const pending = new Map<number, Pending>();

  const failAll = (error: Error) => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };

  const spawn = (): Worker => {
    const w = new Worker(entryScript(), { workerData: { databaseUrl } });
    // Referenced only while a job waits: an idle writer thread never keeps the process alive.
    w.unref();
    w.on("message", (message: FromThread) => {
      const p = pending.get(message.id);
      if (p === undefined) return; // the ready signal (id 0)
      pending.delete(message.id);
      if (pending.size === 0) w.unref();
      if (message.ok) p.resolve(message.result);
      else p.reject(Object.assign(new Error(message.error.message), message.error));
    });
    w.on("error", (error) => {
      if (worker === w) worker = undefined;
      failAll(new LlmopsError("unavailable", `The writer thread failed: ${error.message}`, { cause: error }));
    });
    w.on("exit", (code) => {
      if (worker === w) worker = undefined;
      failAll(new LlmopsError("unavailable", `The writer thread exited (code ${code}) before finishing its jobs.`));
    });
    return w;
  };

  const post = (message: ToThread): Promise<unknown> => {
    worker ??= spawn();
    const w = worker;
    return new Promise((resolve, reject) => {
      pending.set(message.id, { resolve, reject });
      w.ref();
      w.postMessage(message);
    });
  };

  return {
    where: "thread",
    run<N extends JobName>(name: N, payload: JobPayload<N>): Promise<JobResult<N>> {
      if (closing !== undefined) {
        return Promise.reject(new LlmopsError("unavailable", "The writer thread is closed."));
      }
      return post({ id: nextId++, name, payload }) as Promise<JobResult<N>>;
    },
    close() {
      closing ??= (async () => {
        const w = worker;
        if (w === undefined) return;
        // Jobs already posted run first (one at a time, in order), then the thread closes its store.
        const exited = new Promise<void>((resolve) => w.once("exit", () => resolve()));
        await post({ id: nextId++, close: true }).catch(() => {});
        // The thread exits once its store is closed; don't let a stuck close hold a shutdown.
        const timer = setTimeout(() => void w.terminate(), 5_000);
        await exited;
        clearTimeout(timer);
      })();
      return closing;
    },
  };
}
