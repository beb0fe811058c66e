// Vitest global setup: one real PostgreSQL 15 cluster for the whole run; every test file that needs
// PostgreSQL creates its own database in it. Without the binaries the PostgreSQL tests skip with the
// printed reason, except under CI=true, where CI must have installed them (scripts/system-deps.sh).
import type { TestProject } from 'vitest/node';
import { postgresUnavailable, startPostgresCluster } from './postgres-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The cluster's admin URL, or '' when PostgreSQL is unavailable. */
    postgresUrl: string;
    /** Why PostgreSQL is unavailable ('' when it is available). */
    postgresSkip: string;
  }
}

export default async function setup(
  project: TestProject,
): Promise<(() => Promise<void>) | undefined> {
  const reason = postgresUnavailable();
  if (reason) {
    if (process.env.CI === 'true' || process.env.CI === '1') {
      throw new Error(`@hud/gateway: PostgreSQL is needed under CI: ${reason}`);
    }
    console.warn(`@hud/gateway: the PostgreSQL half of the tests skips: ${reason}`);
    project.provide('postgresUrl', '');
    project.provide('postgresSkip', reason);
    return undefined;
  }
  const cluster = await startPostgresCluster();
  project.provide('postgresUrl', cluster.url());
  project.provide('postgresSkip', '');
  return () => cluster.stop();
}
