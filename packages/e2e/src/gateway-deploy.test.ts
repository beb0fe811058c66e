import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  registrySkip,
  startRegistry,
  type TestRegistry,
} from '../../../apps/gateway/src/testing/docker-registry.js';
import {
  BASE_IMAGE,
  cleanUp,
  DOCKER_TEST_TIMEOUT_MS,
  docker,
  dockerScratch,
  hasDocker,
  stageSampleEnv,
} from './support/docker.js';
import { type GatewayProcess, newAdminKey, startGatewayProcess } from './support/gateway-cli.js';
import { type HudRun, runHud } from './support/run-hud.js';
import { REPO_ROOT } from './support/served-env.js';

// `hud deploy` against the real gateway bin, which builds on the real engine (BuildKit) and pushes to a
// real OCI registry (Debian's docker-registry on loopback): versions v0.1.0, v0.1.1 of apps/sample-env
// (a copy, so the repository's apps/sample-env/.hud stays untouched), and a build secret that reaches its
// RUN step but no image layer, database row, log file or output.

const GATEWAY_BIN = path.join(REPO_ROOT, 'apps/gateway/bin/hud-gateway.js');
const KEY = newAdminKey();
const SECRET = 'e2e-deploy-secret-4b1d9f0c';
const made: string[] = [];
const images: string[] = [];
let registry: TestRegistry | undefined;
let registryAddress = '';
let gateway: GatewayProcess | undefined;

const skip = !hasDocker || registrySkip() !== '';

function deploy(dir: string, args: string[], vars: Record<string, string> = {}): Promise<HudRun> {
  const home = path.join(path.dirname(dir), 'home');
  mkdirSync(home, { recursive: true });
  return runHud(['deploy', dir, '--build-arg', `BASE=${BASE_IMAGE}`, ...args], {
    timeoutMs: DOCKER_TEST_TIMEOUT_MS / 2,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      HUD_API_URL: gateway?.url ?? '',
      HUD_API_KEY: KEY,
      ...vars,
    },
  });
}

/** `hud …` in `cwd` with a HOME of its own and `vars`. */
function hudIn(cwd: string, args: string[], vars: Record<string, string>): Promise<HudRun> {
  const home = path.join(path.dirname(cwd), 'home');
  mkdirSync(home, { recursive: true });
  return runHud(args, {
    cwd,
    timeoutMs: DOCKER_TEST_TIMEOUT_MS / 2,
    env: { PATH: process.env.PATH, HOME: home, ...vars },
  });
}

/** A GET of the gateway's API with the admin key, as JSON. */
async function gatewayJson<T>(route: string): Promise<T> {
  const response = await fetch(`${gateway?.url}${route}`, {
    headers: { authorization: `Bearer ${KEY}` },
  });
  expect(response.status, route).toBe(200);
  return (await response.json()) as T;
}

/** Every file under `dir`, as bytes joined (to look for a value anywhere in the gateway's data). */
function everyFile(dir: string): Buffer {
  const chunks: Buffer[] = [];
  for (const entry of readdirSync(dir)) {
    const file = path.join(dir, entry);
    if (statSync(file).isDirectory()) chunks.push(everyFile(file));
    else chunks.push(readFileSync(file));
  }
  return Buffer.concat(chunks);
}

describe.skipIf(skip)('hud deploy against the gateway bin (real engine, real registry)', () => {
  beforeAll(async () => {
    if (!existsSync(path.join(REPO_ROOT, 'apps/gateway/dist/bin.js'))) {
      throw new Error('apps/gateway is not built: run `pnpm --filter @hud/gateway build` first');
    }
    const scratch = dockerScratch('deploy-gateway');
    made.push(scratch);
    registry = await startRegistry();
    registryAddress = registry.address;
    const dataDir = path.join(scratch, 'data');
    gateway = await startGatewayProcess(
      GATEWAY_BIN,
      ['--port', '0', '--data-dir', dataDir, '--registry', registryAddress, '--log-level', 'warn'],
      { PATH: process.env.PATH ?? '', HOME: scratch, HUD_GATEWAY_BOOTSTRAP_KEY: KEY },
      dataDir,
    );
  }, DOCKER_TEST_TIMEOUT_MS);

  afterAll(async () => {
    await gateway?.stop();
    await registry?.stop();
    await cleanUp(made, images);
  });

  it(
    'deploys apps/sample-env as v0.1.0, pushes it, links the project, and a re-deploy makes v0.1.1',
    async () => {
      const dir = stageSampleEnv('deploy', made);
      const first = await deploy(dir, []);
      expect(first.code, `${first.stdout}\n${first.stderr}`).toBe(0);
      const image = `${registryAddress}/sample-env`;
      images.push(`${image}:v0.1.0`, `${image}:v0.1.1`);
      expect(first.stdout).toContain(`deployed 'sample-env' v0.1.0 as ${image}:v0.1.0`);
      expect(first.stderr).toMatch(/COPY \.hud\/build\/ \/app\//);
      expect(await registry?.catalog()).toContain('sample-env');
      expect(await registry?.tags('sample-env')).toEqual(['v0.1.0']);
      const link = JSON.parse(readFileSync(path.join(dir, '.hud', 'config.json'), 'utf8'));
      expect(link).toEqual({ registryId: expect.any(String), registryName: 'sample-env' });

      const second = await deploy(dir, []);
      expect(second.code, `${second.stdout}\n${second.stderr}`).toBe(0);
      expect(second.stdout).toContain(`deployed 'sample-env' v0.1.1`);
      expect((await registry?.tags('sample-env'))?.sort()).toEqual(['v0.1.0', 'v0.1.1']);
      const relinked = JSON.parse(readFileSync(path.join(dir, '.hud', 'config.json'), 'utf8'));
      expect(relinked.registryId).toBe(link.registryId);
      const listed = (await (
        await fetch(`${gateway?.url}/v2/registry`, { headers: { authorization: `Bearer ${KEY}` } })
      ).json()) as { id: string; latest_version: string; image: string }[];
      expect(listed).toContainEqual(
        expect.objectContaining({
          id: link.registryId,
          latest_version: 'v0.1.1',
          image: `${image}:v0.1.1`,
        }),
      );
    },
    DOCKER_TEST_TIMEOUT_MS,
  );

  it(
    'a --secret id=tok,env=TOK reaches its RUN step and nothing else',
    async () => {
      const dir = path.join(dockerScratch('deploy-secret'), 'secret-env');
      made.push(path.dirname(dir));
      mkdirSync(dir);
      const digest = createHash('sha256').update(SECRET).digest('hex');
      writeFileSync(
        path.join(dir, 'env.ts'),
        "export const env = new Environment({ name: 'secret-env' });\n",
      );
      writeFileSync(
        path.join(dir, 'Dockerfile'),
        `ARG BASE\nFROM \${BASE}\nRUN --mount=type=secret,id=tok test "$(sha256sum < /run/secrets/tok | cut -c1-64)" = "${digest}" && echo secret-reached-the-step\nRUN --mount=type=secret,id=tok cat /run/secrets/tok\n`,
      );
      // --no-cache: the step must run (a cached layer prints nothing).
      const run = await deploy(dir, ['--no-cache', '--secret', 'id=tok,env=TOK'], { TOK: SECRET });
      expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
      images.push(`${registryAddress}/secret-env:v0.1.0`);
      expect(run.stderr).toContain('secret-reached-the-step');
      expect(`${run.stdout}${run.stderr}`).not.toContain(SECRET);
      const history = await docker([
        'history',
        '--no-trunc',
        `${registryAddress}/secret-env:v0.1.0`,
      ]);
      expect(history.code).toBe(0);
      expect(history.stdout).not.toContain(SECRET);
      const inspect = await docker(['image', 'inspect', `${registryAddress}/secret-env:v0.1.0`]);
      expect(inspect.stdout).not.toContain(SECRET);
      // The database (with its WAL), build logs and contexts: the value is nowhere on disk.
      const data = everyFile(gateway?.dataDir as string);
      expect(data.length).toBeGreaterThan(0);
      expect(data.includes(Buffer.from(SECRET))).toBe(false);
      expect(data.includes(Buffer.from('secret-reached-the-step'))).toBe(true);
    },
    DOCKER_TEST_TIMEOUT_MS,
  );

  it(
    "issue 15's chain: deploy sample-env, sync letter-count twice, eval it by name, then jobs and trace from the gateway",
    async () => {
      // 1. hud deploy apps/sample-env: a version built and pushed to the registry.
      const envDir = stageSampleEnv('chain-deploy', made);
      const deployed = await deploy(envDir, []);
      expect(deployed.code, `${deployed.stdout}\n${deployed.stderr}`).toBe(0);
      const version = /deployed 'sample-env' (v0\.1\.\d+)/.exec(deployed.stdout)?.[1];
      expect(version).toBeDefined();
      images.push(`${registryAddress}/sample-env:${version}`);
      expect(await registry?.tags('sample-env')).toContain(version);

      // 2. hud sync tasks letter-count examples/letter-count/tasks.ts: creates every task.
      const project = path.join(dockerScratch('chain-project'), 'letter-count');
      made.push(path.dirname(project));
      mkdirSync(project, { recursive: true });
      for (const file of ['env.ts', 'tasks.ts'])
        copyFileSync(path.join(REPO_ROOT, 'examples/letter-count', file), path.join(project, file));
      const vars = { HUD_API_URL: gateway?.url ?? '', HUD_API_KEY: KEY };
      const first = await hudIn(project, ['sync', 'tasks', 'letter-count', 'tasks.ts', '-y'], vars);
      expect(first.code, first.stderr).toBe(0);
      const created = first.stdout.split('\n').filter((line) => line.trim() !== '');
      expect(created).toHaveLength(3);
      for (const line of created) expect(line).toMatch(/^ {2}create: count-[0-9a-f]{8} \(new\)$/);

      // 3. One task changed (same slug, other args): the second sync prints one update and nothing else.
      const remote = await gatewayJson<{ taskset_id: string }>('/v2/tasksets/by-name/letter-count');
      const exported = await gatewayJson<{ tasks: { name: string; args: { word: string } }[] }>(
        `/v2/tasksets/${remote.taskset_id}/export`,
      );
      const rows = exported.tasks.map((task, index) => ({
        slug: task.name,
        word: index === 0 ? `${task.args.word}s` : task.args.word,
      }));
      writeFileSync(
        path.join(project, 'tasks.ts'),
        `import { Taskset } from '@hud/eval';\nimport { count } from './env.js';\n\nexport default new Taskset('letter-count', [\n${rows
          .map(
            (row) => `  { ...count({ word: '${row.word}', letter: 'r' }), slug: '${row.slug}' },`,
          )
          .join('\n')}\n]);\n`,
      );
      const second = await hudIn(
        project,
        ['sync', 'tasks', 'letter-count', 'tasks.ts', '-y'],
        vars,
      );
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toBe(`  update: ${rows[0]?.slug} (args changed)\n`);

      // 4. hud eval letter-count oracle --all: the synced taskset, by name, run here and uploaded.
      const evaluated = await hudIn(project, ['eval', 'letter-count', 'oracle', '--all'], vars);
      expect(evaluated.code, `${evaluated.stdout}\n${evaluated.stderr}`).toBe(0);
      expect(evaluated.stdout).toContain('reward 1.000 over 3 graded runs');
      const jobId = /job: http:\/\/127\.0\.0\.1:\d+\/jobs\/([0-9a-f]{32})\n/.exec(
        `${evaluated.stdout}\n${evaluated.stderr}`,
      )?.[1];
      expect(jobId, evaluated.stderr).toBeDefined();

      // 5. hud jobs and hud trace show that job from the gateway (no local store named or used).
      const jobs = await hudIn(project, ['jobs'], vars);
      expect(jobs.code, jobs.stderr).toBe(0);
      expect(jobs.stdout).toContain(String(jobId).slice(0, 8));
      const job = await hudIn(project, ['jobs', String(jobId), '--json'], vars);
      expect(job.code, job.stderr).toBe(0);
      const detail = JSON.parse(job.stdout) as { traces: { id: string; reward: number | null }[] };
      expect(detail.traces).toHaveLength(3);
      expect(detail.traces.map((trace) => trace.reward)).toEqual([1, 1, 1]);
      const trace = await hudIn(project, ['trace', String(detail.traces[0]?.id)], vars);
      expect(trace.code, trace.stderr).toBe(0);
      expect(trace.stdout).toContain('reward 1.000');
    },
    DOCKER_TEST_TIMEOUT_MS,
  );

  it('a wrong key is refused with a clear message and exit 1', async () => {
    const dir = path.join(dockerScratch('deploy-wrong-key'), 'env');
    made.push(path.dirname(dir));
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'env.ts'), "new Environment({ name: 'nope' });\n");
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\n');
    const run = await deploy(dir, [], { HUD_API_KEY: 'hud_wrong_key_000000000000000000' });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/rejected the API key \(401.*hud login/);
  });
});
