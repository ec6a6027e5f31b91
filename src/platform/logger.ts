// Structured logs (pino) on stderr, so stdout stays free for command output and --json. A person at
// a terminal gets one readable line per event; anything else (a file, a log collector, Kubernetes)
// gets JSON lines. LLMOPS_LOG_FORMAT=json|pretty overrides the choice.
import { type Logger, pino } from "pino";
import pretty from "pino-pretty";

export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  const format = process.env.LLMOPS_LOG_FORMAT ?? (process.stderr.isTTY ? "pretty" : "json");
  const options = { level, base: { pid: process.pid, ...bindings } };
  if (format === "pretty") {
    return pino(
      options,
      pretty({ destination: 2, sync: true, translateTime: "SYS:HH:MM:ss", ignore: "pid,hostname", singleLine: true }),
    );
  }
  return pino(options, pino.destination(2));
}
