// Structured logs (pino) on stderr, so stdout stays free for command output and --json.
import { type Logger, pino } from "pino";

export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { pid: process.pid, ...bindings } }, pino.destination(2));
}
