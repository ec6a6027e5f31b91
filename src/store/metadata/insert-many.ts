// Multi-row INSERTs for the gateway's high-rate tables (request log, audit events, drift features).
// Kysely builds and compiles a syntax tree with a node per value — for a 200-row batch of 14
// columns that is most of the cost outside SQLite itself. Here the statement text is generated once
// per (table, columns, row count, placeholder style) and reused; only the parameters change.
import { CompiledQuery, type Insertable, type Kysely } from "kysely";
import type { Database } from "../schema.js";

/** Most parameters per statement: below SQLite's 32 766 and PostgreSQL's 65 535. */
const MAX_PARAMETERS = 30_000;
const statements = new Map<string, string>();

function statement(table: string, columns: readonly string[], rows: number, numbered: boolean): string {
  const cacheKey = `${table}\u0000${columns.join(",")}\u0000${rows}\u0000${numbered}`;
  let text = statements.get(cacheKey);
  if (text === undefined) {
    const tuples: string[] = [];
    let n = 0;
    for (let r = 0; r < rows; r++) {
      const marks = columns.map(() => (numbered ? `$${++n}` : "?"));
      tuples.push(`(${marks.join(", ")})`);
    }
    text = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(", ")}) values ${tuples.join(", ")}`;
    if (statements.size >= 500) statements.clear(); // bounded: batch sizes vary
    statements.set(cacheKey, text);
  }
  return text;
}

/**
 * Inserts rows that all have the first row's columns (plain values: strings, numbers, null) in as
 * few statements as the parameter limit allows. Works in a transaction as well as on the store.
 */
export async function insertMany<T extends keyof Database & string>(
  db: Kysely<Database>,
  table: T,
  typedRows: ReadonlyArray<Insertable<Database[T]>>,
): Promise<void> {
  const rows = typedRows as ReadonlyArray<Record<string, unknown>>;
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  // PostgreSQL numbers its placeholders ($1, $2 …), SQLite uses ?: ask the dialect's compiler once.
  const numbered = db
    .insertInto(table)
    .values(rows[0] as never)
    .compile()
    .sql.includes("$1");
  const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const parameters: unknown[] = new Array(chunk.length * columns.length);
    let p = 0;
    for (const row of chunk) {
      for (const column of columns) parameters[p++] = row[column] ?? null;
    }
    await db.executeQuery(CompiledQuery.raw(statement(table, columns, chunk.length, numbered), parameters));
  }
}
