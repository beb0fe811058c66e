import pg from 'pg';
import type { Sql, SqlValue } from './sql.js';

/** PostgreSQL SQLSTATEs retried by `tx`: serialization failure and deadlock. */
const RETRY_CODES = new Set(['40001', '40P01']);
const TX_ATTEMPTS = 3;
/** PostgreSQL allows 65,535 bound parameters per statement; multi-row inserts stay well below. */
const MAX_PARAMS = 30_000;

type Queryable = pg.Pool | pg.PoolClient;

function codeOf(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}

/**
 * The PostgreSQL executor over a `pg` pool (node-postgres). Transactions take one pooled client
 * (`BEGIN` … `COMMIT`, READ COMMITTED); multi-row inserts are one statement per ~30,000 parameters.
 */
export class PostgresSql implements Sql {
  readonly dialect = 'postgres' as const;
  readonly #pool: pg.Pool | undefined;
  readonly #target: Queryable;

  /**
   * A pool of up to `max` connections (default 10) to `connectionString` (`postgres://user@host:port/db`).
   * Connecting is lazy: the first query fails when the server cannot be reached.
   */
  static open(connectionString: string, max = 10): PostgresSql {
    const pool = new pg.Pool({ connectionString, max });
    // An idle client that loses its server must not crash the process; the next query reports it.
    pool.on('error', () => {});
    return new PostgresSql(pool, pool);
  }

  private constructor(pool: pg.Pool | undefined, target: Queryable) {
    this.#pool = pool;
    this.#target = target;
  }

  async all<Row>(text: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    const result = await this.#target.query(text, params as SqlValue[]);
    return result.rows as Row[];
  }

  async get<Row>(text: string, params: readonly SqlValue[] = []): Promise<Row | undefined> {
    return (await this.all<Row>(text, params))[0];
  }

  async exec(script: string): Promise<void> {
    // No parameters: node-postgres sends it as one simple query, which may hold several statements.
    await this.#target.query(script);
  }

  async run(text: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    const result = await this.#target.query(text, params as SqlValue[]);
    return { changes: result.rowCount ?? 0 };
  }

  async insertMany(
    table: string,
    columns: readonly string[],
    rows: readonly (readonly SqlValue[])[],
    onConflict: string,
  ): Promise<number> {
    const perStatement = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
    let inserted = 0;
    for (let start = 0; start < rows.length; start += perStatement) {
      const chunk = rows.slice(start, start + perStatement);
      const values = chunk
        .map(
          (_, rowIndex) =>
            `(${columns.map((__, column) => `$${rowIndex * columns.length + column + 1}`).join(', ')})`,
        )
        .join(', ');
      const result = await this.#target.query(
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values} ${onConflict}`,
        chunk.flat() as SqlValue[],
      );
      inserted += result.rowCount ?? 0;
    }
    return inserted;
  }

  async tx<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    if (!this.#pool) return work(this);
    for (let attempt = 1; ; attempt++) {
      const client = await this.#pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        try {
          const result = await work(new PostgresSql(undefined, client));
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {
            broken = true;
          });
          throw error;
        }
      } catch (error) {
        if (attempt < TX_ATTEMPTS && RETRY_CODES.has(codeOf(error) ?? '')) continue;
        throw error;
      } finally {
        client.release(broken);
      }
    }
  }

  isUniqueViolation(error: unknown): boolean {
    return codeOf(error) === '23505';
  }

  async close(): Promise<void> {
    await this.#pool?.end();
  }
}
