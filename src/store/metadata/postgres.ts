// PostgreSQL engine through a pg Pool. Type parsers are set per pool (not pg's global ones, which
// would change other libraries' results) so bigint and numeric come back as JS numbers, as they
// do from SQLite: size_bytes, parameter_count, count(*) and sum(...) are all far below 2^53.
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { LlmopsError } from "../../errors.js";
import type { Database } from "../schema.js";

const INT8_OID = 20;
const NUMERIC_OID = 1700;

const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    if (format !== "binary" && (oid === INT8_OID || oid === NUMERIC_OID)) return (value: string) => Number(value);
    return format === undefined ? pg.types.getTypeParser(oid) : pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig["getTypeParser"],
};

export interface PostgresOptions {
  /** Pool size per process (default 10). */
  maxConnections?: number;
  connectTimeoutMs?: number;
}

/** Opens a pool and checks that the server answers, so a wrong URL fails here with a clear error. */
export async function openPostgres(
  url: string,
  displayUrl: string,
  options: PostgresOptions = {},
): Promise<Kysely<Database>> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    types,
  });
  // An idle client whose server went away emits 'error' on the pool; unhandled it would kill the
  // process. The pool drops that client and the next query reconnects (or fails with a clear error).
  pool.on("error", () => {});
  try {
    const client = await pool.connect();
    try {
      await client.query("select 1");
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => {});
    throw new LlmopsError(
      "unavailable",
      `Cannot connect to PostgreSQL at ${displayUrl}: ${(error as Error).message}. ` +
        "Check that the server is running and reachable from here, and the user, password and database name in LLMOPS_DATABASE_URL.",
      { cause: error },
    );
  }
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
