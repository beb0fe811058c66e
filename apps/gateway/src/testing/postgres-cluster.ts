// A throwaway PostgreSQL 15 cluster for tests and benchmarks (Debian's `postgresql-15`): initdb in a temp
// dir, a free loopback port, pg_ctl start/stop. Run as root, the server runs as the `postgres` user
// (PostgreSQL refuses to run as root). No relative imports: bench/ imports this file directly.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** Where Debian's postgresql-15 puts its binaries. */
export const POSTGRES_BIN = '/usr/lib/postgresql/15/bin';

/** A running cluster. */
export interface PostgresCluster {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/<database>` (trust auth on loopback). */
  url(database?: string): string;
  /** Creates a new empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** `pg_ctl -m fast stop`, then removes the cluster's directory. */
  stop(): Promise<void>;
}

/** Why no cluster can be started here (missing binaries, no `postgres` user as root), or undefined. */
export function postgresUnavailable(): string | undefined {
  for (const binary of ['initdb', 'pg_ctl']) {
    if (!existsSync(path.join(POSTGRES_BIN, binary))) {
      return `${path.join(POSTGRES_BIN, binary)} is missing (install Debian's postgresql-15: scripts/system-deps.sh)`;
    }
  }
  if (process.getuid?.() === 0 && !existsSync('/usr/sbin/runuser')) {
    return 'running as root without /usr/sbin/runuser to start PostgreSQL as the postgres user';
  }
  return undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Runs a PostgreSQL binary, as the `postgres` user when we are root. */
async function pgCommand(binary: string, args: string[]): Promise<void> {
  const file = path.join(POSTGRES_BIN, binary);
  const [command, commandArgs] =
    process.getuid?.() === 0
      ? ['/usr/sbin/runuser', ['-u', 'postgres', '--', file, ...args]]
      : [file, args];
  await run(command, commandArgs, { timeout: 60_000 });
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  return { uid, gid };
}

/**
 * Starts a fresh cluster (`initdb --auth=trust --no-locale`, then `pg_ctl start` listening on
 * 127.0.0.1 only, `fsync=off`: a test cluster need not survive a power cut). About 2 s.
 * @throws when a step fails, with PostgreSQL's output.
 */
export async function startPostgresCluster(): Promise<PostgresCluster> {
  const dir = await mkdtemp(path.join(tmpdir(), 'hud-gateway-pg-'));
  if (process.getuid?.() === 0) {
    const { uid, gid } = await postgresIds();
    await chown(dir, uid, gid);
  }
  const data = path.join(dir, 'data');
  const port = await freePort();
  try {
    await pgCommand('initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=trust',
      '--no-locale',
      '-E',
      'UTF8',
    ]);
    await pgCommand('pg_ctl', [
      '-D',
      data,
      '-l',
      path.join(dir, 'server.log'),
      '-o',
      `-k ${dir} -c listen_addresses=127.0.0.1 -p ${port} -c fsync=off -c max_connections=200`,
      '-w',
      '-t',
      '60',
      'start',
    ]);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    port,
    url,
    async createDatabase(name: string): Promise<string> {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    async stop(): Promise<void> {
      try {
        await pgCommand('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
