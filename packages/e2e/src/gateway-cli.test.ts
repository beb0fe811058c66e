import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  type GatewayProcess,
  hud,
  hudEnv,
  newAdminKey,
  newRunId,
  removeTemp,
  startGateway,
  stepSpan,
  tempDir,
} from './support/gateway-cli.js';
import { HUD_BIN } from './support/served-env.js';

// The platform commands of the CLI (`hud login`, `hud keys`, `hud jobs`/`hud trace` from the platform,
// `hud cancel`) against a real gateway process: the built CLI with HUD_API_URL, HUD_API_KEY and a HOME of
// its own, the gateway fed as hud-python feeds it (lifecycle reports and span uploads, spec §8.3–8.4).

const ADMIN = newAdminKey();
let gateway: GatewayProcess;
let url: string;

beforeAll(async () => {
  gateway = await startGateway(ADMIN);
  url = gateway.url;
});
afterAll(async () => {
  await gateway?.stop();
  removeTemp();
});

/** `hud <args>` with the admin key (or `key`) pointed at the gateway. */
const asAdmin = (args: string[], key = ADMIN, cwd?: string) =>
  hud(args, {
    home: tempDir('home'),
    vars: { HUD_API_URL: url, HUD_API_KEY: key },
    ...(cwd ? { cwd } : {}),
  });

/** Runs `hud login` in `home` and answers its code with `action` as a signed-in admin would. */
async function loginWith(home: string, action: 'approve' | 'deny') {
  const child = spawn(process.execPath, [HUD_BIN, 'login'], {
    env: hudEnv(home, { HUD_API_URL: url }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit');
  const code = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /approve the code ([A-Z]{4}-[A-Z]{4})/.exec(stdout);
      if (match?.[1]) resolve(match[1]);
    });
    void exited.then(() => reject(new Error(`hud login exited early:\n${stdout}\n${stderr}`)));
  });
  expect(stdout).toContain(`open ${url}/device?code=${code}`);
  const decision = await call(url, ADMIN, 'POST', '/auth/device/approve', {
    user_code: code,
    action,
  });
  expect(decision.status).toBe(200);
  const [exitCode] = await exited;
  return { code, exitCode: exitCode as number | null, stdout, stderr };
}

describe('hud login (RFC 8628 device flow)', () => {
  it('saves the approved key in ~/.hud/.env without printing it, and the CLI then works with it', async () => {
    const home = tempDir('login-home');
    const login = await loginWith(home, 'approve');
    expect(login.exitCode, login.stderr).toBe(0);
    expect(login.stdout).toMatch(
      /Logged in \(team default\): the API key is saved in .*\.hud\/\.env/,
    );
    const saved = /^HUD_API_KEY=(\S+)$/m.exec(
      readFileSync(path.join(home, '.hud', '.env'), 'utf8'),
    );
    expect(saved?.[1]).toMatch(/^hud_/);
    const key = saved?.[1] as string;
    expect(login.stdout).not.toContain(key);
    expect(login.stderr).not.toContain(key);
    // No HUD_API_KEY in the environment: the saved one is used (a member key sees its team's keys).
    const listed = await hud(['keys', 'list', '--json'], { home, vars: { HUD_API_URL: url } });
    expect(listed.code, listed.stderr).toBe(0);
    const keys = JSON.parse(listed.stdout) as { name: string; role: string }[];
    expect(keys).toContainEqual(
      expect.objectContaining({ name: expect.stringMatching(/^hud login \(/), role: 'member' }),
    );
  }, 60_000);

  it('fails with a clear message when the login is denied, saving nothing', async () => {
    const home = tempDir('denied-home');
    const login = await loginWith(home, 'deny');
    expect(login.exitCode).toBe(1);
    expect(login.stderr.trim()).toBe(`hud: the login with code ${login.code} was denied`);
    expect(() => readFileSync(path.join(home, '.hud', '.env'))).toThrow();
  }, 60_000);
});

describe('hud keys', () => {
  it('creates a key (shown once), lists it, revokes it, and the revoked key gets one clear error line', async () => {
    const created = await asAdmin(['keys', 'create', 'ci-bot', '--role', 'member']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(
      /^created member key ci-bot \(id [0-9a-f-]{36}, team default\)$/m,
    );
    const key = /^(hud_\S+)$/m.exec(created.stdout)?.[1] as string;
    const id = /\(id ([0-9a-f-]{36})/.exec(created.stdout)?.[1] as string;
    expect(key).toBeTruthy();
    expect(created.stderr).toContain('the only time the key is shown');

    const listed = await asAdmin(['keys', 'list']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`${id}.*ci-bot.*default.*member`));
    expect(listed.stdout).not.toContain(key);

    const works = await asAdmin(['jobs'], key);
    expect(works.code, works.stderr).toBe(0);
    // A member key may not make keys.
    const refused = await asAdmin(['keys', 'create', 'other'], key);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^hud: .*answered 403: .*needs an admin key/);

    const revoked = await asAdmin(['keys', 'revoke', id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`^revoked key ci-bot \\(id ${id}\\) at `));

    for (const args of [
      ['jobs'],
      ['trace', newRunId()],
      ['cancel', '--all', '-y'],
      ['models', 'list'],
    ]) {
      const rejected = await asAdmin(args, key);
      expect(rejected.code, args.join(' ')).toBe(1);
      const lines = rejected.stderr.trim().split('\n');
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(
          `^hud: ${url.replaceAll('.', '\\.')} rejected the API key \\(401 on /v2/\\S+: .*revoked.*\\); run \`hud login\``,
        ),
      );
      expect(rejected.stderr).not.toContain(key);
    }
  }, 60_000);
});

/** A job with one finished trace of four steps, reported as hud-python reports it. */
async function reportJob() {
  const jobId = newRunId();
  const traceId = newRunId();
  const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));
  const steps = [
    {
      step_id: 1,
      source: 'user',
      messages: [{ role: 'user', content: { type: 'text', text: 'How many r in strawberry?' } }],
      ended_at: at(0).toISOString(),
    },
    {
      step_id: 2,
      source: 'agent',
      content: 'counting',
      tool_calls: [{ id: 'c1', name: 'bash', arguments: { command: 'grep -o r' } }],
      ended_at: at(1).toISOString(),
    },
    {
      step_id: 3,
      source: 'tool',
      call: { id: 'c1', name: 'bash', arguments: { command: 'grep -o r' } },
      result: { content: [{ type: 'text', text: 'r r r' }], isError: false },
      ended_at: at(2).toISOString(),
    },
    {
      step_id: 4,
      source: 'task',
      task_call: {
        phase: 'evaluate',
        name: 'count',
        arguments: { letter: 'r' },
        result: { score: 1 },
      },
      ended_at: at(3).toISOString(),
    },
  ];
  const posts: [string, string, unknown][] = [
    ['POST', `/v2/trace/job/${jobId}/enter`, { name: 'letter-count run', group: 1 }],
    [
      'POST',
      `/v2/trace/${traceId}/enter`,
      { job_id: jobId, task_slug: 'count-r', model: 'oracle' },
    ],
    [
      'POST',
      `/v3/api/trace/${traceId}/telemetry-upload`,
      // Uploaded out of order, with a span that is not a step.
      {
        telemetry: [
          ...[...steps].reverse().map((step, index) => stepSpan(traceId, step, at(10 - index))),
          {
            ...stepSpan(traceId, { source: 'x' }, at(20)),
            name: 'env.helper',
            attributes: { 'hud.task_run_id': traceId },
          },
        ],
      },
    ],
    ['POST', `/v2/trace/${traceId}/exit`, { status: 'completed', reward: 1, stop_reason: 'done' }],
  ];
  for (const [method, route, body] of posts) {
    const answer = await call(url, ADMIN, method, route, body);
    expect(answer.status, `${route}: ${JSON.stringify(answer.body)}`).toBe(200);
  }
  return { jobId, traceId, steps };
}

describe('hud jobs and hud trace from the gateway', () => {
  it('list the reported job, its runs and the run as steps, as tables and as JSON', async () => {
    const { jobId, traceId, steps } = await reportJob();

    const jobs = await asAdmin(['jobs']);
    expect(jobs.code, jobs.stderr).toBe(0);
    expect(jobs.stdout).toMatch(new RegExp(`${jobId}.*letter-count run.*completed.*│ 1 .*1\\.000`));
    const listed = JSON.parse((await asAdmin(['jobs', '--json', '-n', '5'])).stdout);
    expect(listed).toContainEqual(
      expect.objectContaining({ id: jobId, status: 'completed', trace_count: 1, reward: 1 }),
    );

    const one = await asAdmin(['jobs', jobId]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toContain(`job ${jobId} — letter-count run (completed, created `);
    expect(one.stdout).toMatch(new RegExp(`count-r.*completed.*1\\.000.*done.*${traceId}`));
    expect(one.stdout).toContain('reward 1.000 over 1 graded runs; 0 without a verdict');
    // A unique prefix is enough, as in the local store.
    expect((await asAdmin(['jobs', jobId.slice(0, 10)])).stdout).toContain(`job ${jobId} — `);
    const detail = JSON.parse((await asAdmin(['jobs', jobId, '--json'])).stdout);
    expect(detail).toMatchObject({ id: jobId, traces: [{ id: traceId, task_slug: 'count-r' }] });

    const trace = await asAdmin(['trace', traceId]);
    expect(trace.code, trace.stderr).toBe(0);
    const lines = trace.stdout.trim().split('\n');
    expect(lines.slice(0, 2)).toEqual([
      `trace ${traceId}: 4 steps`,
      `count-r in job ${jobId}: completed, reward 1.000, stop done`,
    ]);
    expect(lines.slice(2)).toEqual([
      expect.stringMatching(/^ {2}1 .* user {3}user: How many r in strawberry\?$/),
      expect.stringMatching(/^ {2}2 .* agent {2}counting → bash\(\{"command":"grep -o r"\}\)$/),
      expect.stringMatching(/^ {2}3 .* tool {3}bash\(\{"command":"grep -o r"\}\) = r r r$/),
      expect.stringMatching(/^ {2}4 .* task {3}tasks\.grade count \{"letter":"r"\} score 1$/),
    ]);
    // The steps as JSON lines, as the local store prints them; a dashed UUID names the same trace.
    const dashed = traceId.replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
    const json = await asAdmin(['trace', dashed, '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(
      json.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual(steps);

    const missing = await asAdmin(['trace', newRunId()]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /^hud: GET http:\/\/127\.0\.0\.1:\d+\/v2\/trace\/\w+ answered 404: no trace/,
    );
  }, 60_000);
});
