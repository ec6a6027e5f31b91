// Long-running commands (worker, gateway, up) stop cleanly on Ctrl-C / SIGTERM: the cleanup runs
// once, a second signal forces the exit.
export function onShutdown(cleanup: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`\nreceived ${signal} again; exiting now\n`);
        process.exit(130);
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
          resolve();
        });
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    // A supervising parent that goes away (IPC channel closed) means this worker should stop too.
    process.once("disconnect", () => stop("SIGTERM"));
  });
}
