/** A value bound to a statement parameter (booleans are stored as 0/1 by the callers). */
export type SqlValue = string | number | null;

/** Which database a store runs on. */
export type Dialect = 'sqlite' | 'postgres';

/**
 * The SQL both stores share, run against one database. Statements are written once with PostgreSQL's
 * numbered parameters (`$1`, `$2`, …), which the SQLite executor rewrites to SQLite's `?1`, `?2`, …; the
 * SQL itself keeps to what both dialects read the same (TEXT ids and ISO-8601 UTC times, INTEGER counts
 * and 0/1 flags, DOUBLE PRECISION/REAL rewards, `INSERT … ON CONFLICT … RETURNING`, `CAST(count(*) AS
 * INTEGER)` so PostgreSQL answers a number, not a bigint string). JSON is stored as TEXT.
 */
export interface Sql {
  readonly dialect: Dialect;
  /** Every row of a query. */
  all<Row>(text: string, params?: readonly SqlValue[]): Promise<Row[]>;
  /** The first row of a query, or undefined. */
  get<Row>(text: string, params?: readonly SqlValue[]): Promise<Row | undefined>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
  /** A statement without rows; `changes` = rows inserted, updated or deleted. */
  run(text: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
  /**
   * Inserts `rows` (values in `columns` order) into `table`, ending each insert with `onConflict` (e.g.
   * `ON CONFLICT (a, b) DO NOTHING`). Returns how many rows were inserted.
   */
  insertMany(
    table: string,
    columns: readonly string[],
    rows: readonly (readonly SqlValue[])[],
    onConflict: string,
  ): Promise<number>;
  /**
   * Runs `work` in one transaction that commits when it resolves and rolls back when it throws; nothing
   * else touches the connection meanwhile. Inside, `tx` is the transaction's executor (its own `tx` runs
   * inline). PostgreSQL runs READ COMMITTED; a deadlock or serialization failure is retried twice.
   */
  tx<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
  /** True when `error` is a unique-constraint violation of this database. */
  isUniqueViolation(error: unknown): boolean;
  /** Closes the connection (or pool). */
  close(): Promise<void>;
}

/** `0`/`1` for a stored flag. */
export function flag(value: boolean): number {
  return value ? 1 : 0;
}

/** JSON text of a value, or null for undefined/null. */
export function jsonText(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/** The value of a stored JSON text, or null. */
export function parseJson<T = unknown>(text: string | null | undefined): T | null {
  return text === null || text === undefined ? null : (JSON.parse(text) as T);
}

/** `$from, $from+1, …` placeholders for `count` values (for `IN (…)` lists). */
export function placeholders(count: number, from = 1): string {
  return Array.from({ length: count }, (_, index) => `$${from + index}`).join(', ');
}
