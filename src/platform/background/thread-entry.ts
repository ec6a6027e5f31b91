// The writer thread's entry (started by thread.ts): opens its own connection to the metadata store
// (the schema is already migrated by the process that started it) and runs jobs one at a time, in
// the order they arrive — the audit chain and the request log keep their order.
import { execFile } from "node:child_process";
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { openMetadataStore } from "../../store/metadata/index.js";
import { type JobName, runJob } from "./jobs.js";

export type ToThread = { id: number; name: JobName; payload: unknown } | { id: number; close: true };
export type FromThread =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { message: string; code?: string | undefined; name: string } };

const port = parentPort;
if (port === null) throw new Error("thread-entry.js runs only as a worker thread (see thread.ts)");

// Background writes yield the CPU to request handling. On Linux this thread first lowers its own
// nice value (setpriority on its thread id), then asks to become SCHED_IDLE (`chrt --idle`, from
// util-linux): the kernel treats a core that runs only SCHED_IDLE work as free when it places a
// woken request handler, and preempts this thread at once (the gain, measured with
// bench/gateway-overhead at 1,000 req/s, is in docs/scale-out.md). It still gets
// CPU on a saturated machine (SCHED_IDLE has a small weight, it is not starved outright); where it
// falls behind, batches wait in their bounded queues (docs/scale-out.md). Without chrt, or where
// the kernel refuses, the nice value stands.
try {
  const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
  if (Number.isInteger(tid) && tid > 0) {
    setPriority(tid, 10);
    execFile("chrt", ["--idle", "-p", "0", String(tid)], { timeout: 5000 }, () => {
      // best effort: nice 10 applies either way
    });
  }
} catch {
  // not Linux, or not permitted
}

const store = await openMetadataStore((workerData as { databaseUrl: string }).databaseUrl, { migrate: false });
let queue: Promise<void> = Promise.resolve();

port.on("message", (message: ToThread) => {
  queue = queue.then(async () => {
    if ("close" in message) {
      await store.close();
      port.postMessage({ id: message.id, ok: true, result: undefined } satisfies FromThread);
      port.close();
      return;
    }
    try {
      const result = await runJob(store, message.name, message.payload as never);
      port.postMessage({ id: message.id, ok: true, result } satisfies FromThread);
    } catch (error) {
      const e = error as { message?: unknown; code?: unknown; name?: unknown };
      port.postMessage({
        id: message.id,
        ok: false,
        error: {
          message: typeof e?.message === "string" ? e.message : String(error),
          code: typeof e?.code === "string" ? e.code : undefined,
          name: typeof e?.name === "string" ? e.name : "Error",
        },
      } satisfies FromThread);
    }
  });
});
port.postMessage({ id: 0, ok: true, result: "ready" } satisfies FromThread);
