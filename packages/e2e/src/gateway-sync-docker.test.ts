import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BASE_IMAGE,
  cleanUp,
  DOCKER_TEST_TIMEOUT_MS,
  hasDocker,
  uniqueTag,
} from './support/docker.js';
import { type GatewayProcess, removeTemp, startGateway } from './support/gateway-cli.js';
import { type HudRun, runHud } from './support/run-hud.js';
import { REPO_ROOT } from './support/served-env.js';

// `hud eval <taskset name>` where no env file of the current directory declares the rows' environment:
// rows that name an image, and rows whose environment the registry has an image of, run in containers on
// the real engine (the Docker runtime of a platform taskset).

const KEY = 'hud_e2e_sync_docker_0123456789abcdef';
const TAG = uniqueTag('letter-count-sync');
const scratch = mkdtempSync(path.join(tmpdir(), 'hud-gateway-sync-docker-'));
let gateway: GatewayProcess | undefined;
let url = '';

function hud(args: string[], cwd: string, timeoutMs = 60_000): Promise<HudRun> {
  const home = path.join(scratch, 'home');
  mkdirSync(home, { recursive: true });
  return runHud(args, {
    cwd,
    timeoutMs,
    env: { PATH: process.env.PATH, HOME: home, HUD_API_URL: url, HUD_API_KEY: KEY },
  });
}

describe.skipIf(!hasDocker)('hud eval <platform taskset> on the Docker runtime', () => {
  beforeAll(async () => {
    gateway = await startGateway(KEY);
    url = gateway.url;
  });

  afterAll(async () => {
    await gateway?.stop();
    removeTemp();
    await cleanUp([scratch], [TAG]);
  });

  it(
    'runs rows with an image, then rows of a deployed environment, in containers when nothing here declares them',
    async () => {
      const project = path.join(scratch, 'letter-count');
      mkdirSync(project, { recursive: true });
      for (const file of ['env.ts', 'tasks.ts'])
        cpSync(path.join(REPO_ROOT, 'examples/letter-count', file), path.join(project, file));
      const built = await hud(
        ['build', '.', '--tag', TAG, '--build-arg', `BASE=${BASE_IMAGE}`],
        project,
        180_000,
      );
      expect(built.code, built.stderr).toBe(0);

      const rows = ['cherry', 'error'].map((word) =>
        JSON.stringify({
          env: 'letter-count',
          id: 'count',
          slug: word,
          args: { word, letter: 'r' },
          runtime_config: { image: TAG },
        }),
      );
      writeFileSync(path.join(project, 'rows.jsonl'), `${rows.join('\n')}\n`);
      const sync = await hud(['sync', 'tasks', 'in-containers', 'rows.jsonl', '-y'], project);
      expect(sync.code, sync.stderr).toBe(0);

      const elsewhere = path.join(scratch, 'elsewhere');
      mkdirSync(elsewhere, { recursive: true });
      const run = await hud(
        ['eval', 'in-containers', 'oracle', '--all', '--no-reap'],
        elsewhere,
        240_000,
      );
      expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
      expect(run.stdout).toContain(`with oracle on docker (${TAG})`);
      expect(run.stdout).toContain('reward 1.000 over 2 graded runs');

      // No image on the rows: the registry's image of their environment. Deploys (`hud deploy`) write it;
      // here the test marks the environment deployed in the gateway's own database.
      writeFileSync(
        path.join(project, 'plain.jsonl'),
        `${JSON.stringify({ env: 'letter-count', id: 'count', slug: 'berry', args: { word: 'berry', letter: 'r' } })}\n`,
      );
      const plain = await hud(['sync', 'tasks', 'from-registry', 'plain.jsonl', '-y'], project);
      expect(plain.code, plain.stderr).toBe(0);
      const missing = await hud(
        ['eval', 'from-registry', 'oracle', '--all', '--no-reap'],
        elsewhere,
      );
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('deploy it with `hud deploy`');
      const db = new DatabaseSync(path.join(String(gateway?.dataDir), 'gateway.db'));
      db.exec('PRAGMA busy_timeout = 5000');
      db.prepare(
        "UPDATE environments SET image = ?, latest_version = 'v0.1.0' WHERE name = 'letter-count'",
      ).run(TAG);
      db.close();
      const deployed = await hud(
        ['eval', 'from-registry', 'oracle', '--all', '--no-reap'],
        elsewhere,
        240_000,
      );
      expect(deployed.code, `${deployed.stdout}\n${deployed.stderr}`).toBe(0);
      expect(deployed.stdout).toContain(`with oracle on docker (letter-count: ${TAG})`);
      expect(deployed.stdout).toContain('reward 1.000 over 1 graded run');
      rmSync(project, { recursive: true, force: true });
    },
    DOCKER_TEST_TIMEOUT_MS,
  );
});
