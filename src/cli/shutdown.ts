// Long-running commands (worker, gateway, up) stop cleanly on Ctrl-C / SIGTERM: the cleanup runs
// once; a second signal while it runs forces the exit.
export interface Shutdown {
  /** Settles when the cleanup has finished. */
  stopped: Promise<void>;
  /** Starts the cleanup now (as a signal would). */
  stop(): void;
}

export function onShutdown(cleanup: () => Promise<void>): Shutdown {
  let stopping = false;
  let finished: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const stop = (signal?: NodeJS.Signals) => {
    if (stopping) {
      if (signal) {
        process.stderr.write(`\nreceived ${signal} again; exiting now\n`);
        process.exit(130);
      }
      return;
    }
    stopping = true;
    cleanup()
      .catch((error: unknown) => {
        process.stderr.write(`error during shutdown: ${String(error)}\n`);
        process.exitCode = 1;
      })
      .finally(() => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        // An open IPC channel to a supervising parent would keep this process alive.
        if (process.connected) process.disconnect();
        finished();
      });
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  // A supervising parent that goes away (IPC channel closed) means this process should stop too.
  process.once("disconnect", () => stop());
  return { stopped, stop: () => stop() };
}
