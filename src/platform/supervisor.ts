// Runs worker processes for `llmops up`: one group per served model version, each worker a child
// `llmops worker` process (several single-thread processes beat one batched process on CPU).
// Workers that die are restarted with backoff; stopping sends SIGTERM and waits.
import { type ChildProcess, spawn } from "node:child_process";
import type { Logger } from "pino";
import { CLI_ENTRY } from "./paths.js";

export interface SupervisorOptions {
  /** Global flags every child gets so it opens the same stores (e.g. --home, --database-url). */
  globalArgs: string[];
  threads: number;
  host: string;
  logger: Logger;
  /** How long a worker may take to load its model before it counts as failed. */
  readyTimeoutMs?: number;
}

interface WorkerProcess {
  ref: string;
  index: number;
  child: ChildProcess | null;
  url: string | null;
  restarts: number;
  stopping: boolean;
}

export class WorkerSupervisor {
  private readonly groups = new Map<string, WorkerProcess[]>();

  constructor(private readonly options: SupervisorOptions) {}

  refs(): string[] {
    return [...this.groups.keys()];
  }

  urls(ref: string): string[] {
    return (this.groups.get(ref) ?? []).flatMap((w) => (w.url ? [w.url] : []));
  }

  /** Starts `count` workers for `ref` and resolves when all have loaded the model (or rejects). */
  async startGroup(ref: string, count: number): Promise<string[]> {
    if (this.groups.has(ref)) return this.urls(ref);
    const workers: WorkerProcess[] = Array.from({ length: count }, (_, index) => ({
      ref,
      index,
      child: null,
      url: null,
      restarts: 0,
      stopping: false,
    }));
    this.groups.set(ref, workers);
    await Promise.all(workers.map((w) => this.launch(w)));
    return this.urls(ref);
  }

  async stopGroup(ref: string): Promise<void> {
    const workers = this.groups.get(ref) ?? [];
    this.groups.delete(ref);
    await Promise.all(workers.map((w) => stopProcess(w)));
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.refs().map((ref) => this.stopGroup(ref)));
  }

  private launch(worker: WorkerProcess): Promise<void> {
    const { options } = this;
    const args = [
      CLI_ENTRY,
      ...options.globalArgs,
      "worker",
      "--model",
      worker.ref,
      "--host",
      options.host,
      "--port",
      "0",
      "--threads",
      String(options.threads),
    ];
    // Own process group: a Ctrl-C in the terminal reaches only `llmops up`, which then stops the
    // workers in order; if `up` dies, the closed IPC channel tells each worker to exit.
    const child = spawn(process.execPath, args, { stdio: ["ignore", "inherit", "inherit", "ipc"], detached: true });
    worker.child = child;
    worker.url = null;
    const log = options.logger.child({ worker: `${worker.ref}#${worker.index}`, pid: child.pid });

    return new Promise<void>((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => {
        if (ready) return;
        log.error("worker did not become ready in time; stopping it");
        child.kill("SIGKILL");
      }, options.readyTimeoutMs ?? 120_000);
      child.on("message", (message: { type?: string; url?: string }) => {
        if (message?.type === "ready" && message.url) {
          ready = true;
          clearTimeout(timer);
          worker.url = message.url;
          log.info({ url: message.url }, "worker ready");
          resolve();
        }
      });
      child.on("exit", (code, signal) => {
        clearTimeout(timer);
        worker.url = null;
        if (worker.stopping) return;
        if (!ready) {
          reject(new Error(`worker for ${worker.ref} exited before it was ready (code ${code}, signal ${signal})`));
          return;
        }
        // It was serving and died: restart with backoff, unless the group was removed meanwhile.
        const delay = Math.min(30_000, 1_000 * 2 ** worker.restarts);
        worker.restarts++;
        log.warn({ code, signal, restartInMs: delay }, "worker exited; restarting");
        setTimeout(() => {
          if (worker.stopping || !this.groups.get(worker.ref)?.includes(worker)) return;
          this.launch(worker).catch((error: Error) => log.error({ err: error }, "worker restart failed"));
        }, delay).unref();
      });
    });
  }
}

function stopProcess(worker: WorkerProcess, graceMs = 10_000): Promise<void> {
  worker.stopping = true;
  const child = worker.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
