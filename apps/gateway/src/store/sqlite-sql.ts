import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { Sql, SqlValue } from './sql.js';

/** SQLite result codes of a unique or primary-key violation (extended codes 2067 and 1555). */
const UNIQUE_CODES = new Set([2067, 1555]);

/** `$1` → `?1`: SQLite's numbered parameters bind by position like PostgreSQL's. */
function toSqlite(text: string): string {
  return text.replace(/\$(\d+)/g, '?$1');
}

/**
 * Serialises work on the one SQLite connection: a transaction that awaits must not let another request's
 * statements run inside it. Statements outside a transaction run at once when nothing holds the lock.
 */
class ConnectionLock {
  #held = false;
  #waiting: (() => void)[] = [];
  get held(): boolean {
    return this.#held;
  }
  async acquire(): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }
  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#held = false;
  }
}

/**
 * The SQLite executor over `node:sqlite` (`DatabaseSync`, built into Node ≥ 22.5): WAL journal,
 * `synchronous=FULL` (a commit is on disk before the gateway answers), foreign keys on, a 5 s busy timeout
 * for another process on the same file. Prepared statements are cached per SQL text.
 */
export class SqliteSql implements Sql {
  readonly dialect = 'sqlite' as const;
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  readonly #lock: ConnectionLock;
  readonly #inTx: boolean;

  /** Opens (creating) the database file at `path` (`:memory:` for a private in-memory database). */
  static open(path: string): SqliteSql {
    const db = new DatabaseSync(path);
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = FULL');
    db.exec('PRAGMA foreign_keys = ON');
    db.exec('PRAGMA busy_timeout = 5000');
    return new SqliteSql(db, new ConnectionLock(), false, new Map());
  }

  private constructor(
    db: DatabaseSync,
    lock: ConnectionLock,
    inTx: boolean,
    statements: Map<string, StatementSync>,
  ) {
    this.#db = db;
    this.#lock = lock;
    this.#inTx = inTx;
    this.#statements = statements;
  }

  #statement(text: string): StatementSync {
    let statement = this.#statements.get(text);
    if (!statement) {
      statement = this.#db.prepare(toSqlite(text));
      this.#statements.set(text, statement);
    }
    return statement;
  }

  /** Runs `work` now when free (or inside this transaction), else after the current holder. */
  async #exclusive<T>(work: () => T): Promise<T> {
    if (this.#inTx) return work();
    await this.#lock.acquire();
    try {
      return work();
    } finally {
      this.#lock.release();
    }
  }

  all<Row>(text: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    return this.#exclusive(() => this.#statement(text).all(...params) as Row[]);
  }

  get<Row>(text: string, params: readonly SqlValue[] = []): Promise<Row | undefined> {
    return this.#exclusive(() => this.#statement(text).get(...params) as Row | undefined);
  }

  exec(script: string): Promise<void> {
    return this.#exclusive(() => this.#db.exec(script));
  }

  run(text: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    return this.#exclusive(() => ({
      changes: Number(this.#statement(text).run(...params).changes),
    }));
  }

  async insertMany(
    table: string,
    columns: readonly string[],
    rows: readonly (readonly SqlValue[])[],
    onConflict: string,
  ): Promise<number> {
    const text = `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns
      .map((_, index) => `$${index + 1}`)
      .join(', ')}) ${onConflict}`;
    return this.#exclusive(() => {
      const statement = this.#statement(text);
      let inserted = 0;
      for (const row of rows) inserted += Number(statement.run(...row).changes);
      return inserted;
    });
  }

  async tx<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    if (this.#inTx) return work(this);
    await this.#lock.acquire();
    try {
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(new SqliteSql(this.#db, this.#lock, true, this.#statements));
        this.#db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
        throw error;
      }
    } finally {
      this.#lock.release();
    }
  }

  isUniqueViolation(error: unknown): boolean {
    return UNIQUE_CODES.has((error as { errcode?: number } | null)?.errcode ?? 0);
  }

  async close(): Promise<void> {
    await this.#lock.acquire();
    try {
      if (this.#db.isOpen) this.#db.close();
    } finally {
      this.#lock.release();
    }
  }
}
