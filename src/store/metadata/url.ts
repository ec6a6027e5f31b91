// Parses the metadata store URL. One place decides which engine a URL means, so the CLI, the
// config checks and the store agree on it.
import path from "node:path";
import { LlmopsError } from "../../errors.js";

export type DatabaseTarget =
  | { kind: "sqlite" /** absolute file path, or ":memory:" */; path: string }
  | { kind: "postgres"; url: string };

/**
 * `sqlite:PATH`, `sqlite://PATH` (so `sqlite:///abs/file.db`), a plain file path or `:memory:`
 * → SQLite; `postgres://` / `postgresql://` → PostgreSQL. Relative paths resolve against `cwd`.
 */
export function parseDatabaseUrl(url: string, cwd: string = process.cwd()): DatabaseTarget {
  const trimmed = url.trim();
  if (trimmed === "") {
    throw new LlmopsError("config_invalid", "The database URL is empty: use sqlite:PATH or postgres://…", {
      param: "database_url",
    });
  }
  if (/^postgres(ql)?:\/\//i.test(trimmed)) return { kind: "postgres", url: trimmed };
  let file: string;
  if (/^sqlite:/i.test(trimmed)) {
    file = trimmed.slice("sqlite:".length);
    if (file.startsWith("//")) file = file.slice(2);
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) || /^[a-z][a-z0-9+.-]+:/i.test(trimmed)) {
    // Any other scheme (mysql://, file:, http://). One-letter "schemes" are Windows drive letters.
    throw new LlmopsError(
      "config_invalid",
      `Unsupported database URL scheme in '${redactUrl(trimmed)}': use sqlite:PATH or postgres://…`,
      { param: "database_url" },
    );
  } else {
    file = trimmed;
  }
  if (file === "") {
    throw new LlmopsError("config_invalid", `The database URL '${trimmed}' names no file: use sqlite:PATH`, {
      param: "database_url",
    });
  }
  if (file === ":memory:") return { kind: "sqlite", path: ":memory:" };
  return { kind: "sqlite", path: path.resolve(cwd, file) };
}

/** The URL with any password replaced by `***`, safe for logs and error messages. */
export function redactUrl(url: string): string {
  // Regex rather than `new URL` so that malformed URLs are redacted too (they are the ones that
  // end up in error messages).
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, "$1:***@")
    .replace(/([?&]password=)[^&#]*/gi, "$1***");
}
