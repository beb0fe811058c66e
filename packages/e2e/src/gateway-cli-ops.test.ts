import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  type GatewayProcess,
  hud,
  newAdminKey,
  newRunId,
  removeTemp,
  startGateway,
  tempDir,
} from './support/gateway-cli.js';

// `hud cancel` and `hud models fork|checkpoints|head` against a real gateway process.

const ADMIN = newAdminKey();
let gateway: GatewayProcess;

beforeAll(async () => {
  gateway = await startGateway(ADMIN);
});
afterAll(async () => {
  await gateway?.stop();
  removeTemp();
});

const asAdmin = (args: string[]) =>
  hud(args, {
    home: tempDir('home'),
    vars: { HUD_API_URL: gateway.url, HUD_API_KEY: ADMIN },
  });

async function post(route: string, body: unknown) {
  const answer = await call(gateway.url, ADMIN, 'POST', route, body);
  expect(answer.status, `${route}: ${JSON.stringify(answer.body)}`).toBe(200);
  return answer.body;
}

/** A job with `running` traces entered and not exited (what a running `hud eval` reports). */
async function runningJob(name: string, running: number) {
  const jobId = newRunId();
  const traceIds = Array.from({ length: running }, newRunId);
  await post(`/v2/trace/job/${jobId}/enter`, { name, group: 1 });
  for (const traceId of traceIds) {
    await post(`/v2/trace/${traceId}/enter`, { job_id: jobId, task_slug: 'slow' });
  }
  return { jobId, traceIds };
}

/** The `hud jobs` table row of `jobId`. */
async function jobRow(jobId: string): Promise<string> {
  const jobs = await asAdmin(['jobs']);
  expect(jobs.code, jobs.stderr).toBe(0);
  return jobs.stdout.split('\n').find((line) => line.includes(jobId)) ?? '';
}

describe('hud cancel', () => {
  it('marks a running job, its traces and one trace, and the marks show in hud jobs', async () => {
    const { jobId, traceIds } = await runningJob('to cancel', 2);
    const cancelled = await asAdmin(['cancel', jobId]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout.trim()).toBe(
      `cancel requested for job ${jobId}: 2 running traces marked`,
    );
    expect(await jobRow(jobId)).toContain('running (cancel requested)');
    const detail = JSON.parse((await asAdmin(['jobs', jobId, '--json'])).stdout);
    expect(detail.cancel_requested).toBe(true);
    expect(
      detail.traces.map((trace: { cancel_requested: boolean }) => trace.cancel_requested),
    ).toEqual([true, true]);
    // The workers stop the runs (what hud-python reports then): the job is cancelled.
    for (const traceId of traceIds) {
      await post(`/v2/trace/${traceId}/exit`, { status: 'cancelled', reward: null });
    }
    expect(await jobRow(jobId)).toMatch(/│ cancelled /);

    const finished = await asAdmin(['cancel', '--trace-id', traceIds[0] as string]);
    expect(finished.code, finished.stderr).toBe(0);
    expect(finished.stdout.trim()).toBe(`trace ${traceIds[0]} already finished: nothing to cancel`);

    const other = await runningJob('one trace', 1);
    const one = await asAdmin(['cancel', other.jobId, '-t', other.traceIds[0] as string]);
    expect(one.stdout.trim()).toBe(`cancel requested for trace ${other.traceIds[0]}`);
    const trace = JSON.parse((await asAdmin(['jobs', other.jobId, '--json'])).stdout).traces[0];
    expect(trace).toMatchObject({ id: other.traceIds[0], cancel_requested: true });
  }, 60_000);

  it('cancels every running job with --all --yes, asks for --yes without a terminal, and names unknown ids', async () => {
    await runningJob('all-1', 1);
    await runningJob('all-2', 2);
    const unconfirmed = await asAdmin(['cancel', '--all']);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr.trim()).toBe(
      'hud: Cancel every running job of your team: pass --yes to confirm without a terminal',
    );
    const all = await asAdmin(['cancel', '--all', '--yes']);
    expect(all.code, all.stderr).toBe(0);
    // Every job with a running trace here (this file's other test ended its own or marked them first).
    expect(all.stdout).toMatch(/^cancel requested for \d+ jobs \(\d+ running traces\)$/m);
    const counted = /for (\d+) jobs \((\d+) running/.exec(all.stdout);
    expect(Number(counted?.[1])).toBeGreaterThanOrEqual(2);
    expect(Number(counted?.[2])).toBeGreaterThanOrEqual(3);

    const unknownJob = newRunId();
    const noJob = await asAdmin(['cancel', unknownJob]);
    expect(noJob.code).toBe(1);
    expect(noJob.stderr.trim()).toBe(`hud: no job ${unknownJob} on ${gateway.url}`);
    const unknownTrace = newRunId();
    const noTrace = await asAdmin(['cancel', '-t', unknownTrace]);
    expect(noTrace.code).toBe(1);
    expect(noTrace.stderr.trim()).toBe(`hud: no trace ${unknownTrace} on ${gateway.url}`);
    const nothing = await asAdmin(['cancel']);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr.trim()).toBe(
      'hud: name what to cancel: a job id, --trace-id <id>, or --all',
    );
  }, 60_000);
});

/** Stores a checkpoint row as the training part will (the gateway has no route that makes one). */
function addCheckpoint(modelId: string, name: string, prev: string | null): string {
  const id = randomUUID();
  const db = new DatabaseSync(path.join(gateway.dataDir, 'gateway.db'));
  try {
    db.exec('PRAGMA busy_timeout = 5000');
    db.prepare(
      `INSERT INTO checkpoints (id, model_id, name, prev_model_checkpoint_id, created_at, num_traces, mean_reward)
        VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(id, modelId, name, prev, new Date().toISOString(), 16, 0.5);
  } finally {
    db.close();
  }
  return id;
}

describe('hud models fork, checkpoints and head', () => {
  it('forks a catalog model, shows its checkpoint tree and sets and shows its head', async () => {
    const forked = await asAdmin(['models', 'fork', 'claude-sonnet-4-6', '--name', 'team-claude']);
    expect(forked.code, forked.stderr).toBe(0);
    const id = /^forked claude-sonnet-4-6 as team-claude \(id ([0-9a-f-]{36})\)$/m.exec(
      forked.stdout,
    )?.[1] as string;
    expect(id).toBeTruthy();
    const again = await asAdmin(['models', 'fork', 'claude-sonnet-4-6', '-n', 'team-claude']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^hud: .*answered 409: a model named team-claude already exists/);
    const unknown = await asAdmin(['models', 'fork', 'no-such-model', '-n', 'x']);
    expect(unknown.stderr.trim()).toBe(
      `hud: no model 'no-such-model' on ${gateway.url}: hud models list shows the models`,
    );

    const listed = JSON.parse((await asAdmin(['models', 'list', '--json'])).stdout);
    expect(listed.gateway).toContainEqual(
      expect.objectContaining({
        id,
        name: 'team-claude',
        is_trainable: true,
        provider: 'anthropic',
      }),
    );

    const empty = await asAdmin(['models', 'checkpoints', 'team-claude']);
    expect(empty.stdout.trim()).toBe(
      'model team-claude has no checkpoints yet (training adds them)',
    );
    expect((await asAdmin(['models', 'head', 'team-claude'])).stdout.trim()).toBe(
      'model team-claude has no active checkpoint yet',
    );

    const first = addCheckpoint(id, 'step-1', null);
    const second = addCheckpoint(id, 'step-2', first);
    const set = await asAdmin(['models', 'head', 'team-claude', '--set', 'step-2']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(
      new RegExp(`^the active checkpoint of team-claude is now ${second} {2}step-2 `),
    );
    const head = await asAdmin(['models', 'head', id]);
    expect(head.stdout).toMatch(
      new RegExp(`^the active checkpoint of team-claude: ${second} {2}step-2`),
    );
    expect(
      JSON.parse((await asAdmin(['models', 'head', 'team-claude', '--json'])).stdout),
    ).toMatchObject({
      model_id: id,
      checkpoint_id: second,
    });
    const tree = await asAdmin(['models', 'checkpoints', 'team-claude']);
    expect(tree.code, tree.stderr).toBe(0);
    const lines = tree.stdout.trim().split('\n');
    expect(lines[0]).toBe('model team-claude: 2 checkpoints');
    expect(lines[1]).toMatch(
      new RegExp(`^${first} {2}step-1 {2}\\S+ {2}reward 0\\.500 {2}16 traces$`),
    );
    expect(lines[2]).toMatch(new RegExp(`^└─ ${second} {2}step-2 .*\\(active\\)$`));
    const json = JSON.parse(
      (await asAdmin(['models', 'checkpoints', 'team-claude', '--json'])).stdout,
    );
    expect(json.map((checkpoint: { id: string }) => checkpoint.id)).toEqual([first, second]);

    // Back to the first (a rollback), by id.
    const back = await asAdmin(['models', 'head', 'team-claude', '--set', first]);
    expect(back.stdout).toContain(`is now ${first}`);
    // A catalog model has no head to set; an unknown checkpoint is named.
    const catalog = await asAdmin(['models', 'head', 'claude-sonnet-4-6', '--set', first]);
    expect(catalog.code).toBe(1);
    expect(catalog.stderr).toMatch(/^hud: PUT .*\/head answered 40[34]: /);
    const noCheckpoint = await asAdmin(['models', 'head', 'team-claude', '--set', 'nope']);
    expect(noCheckpoint.code).toBe(1);
    expect(noCheckpoint.stderr).toMatch(/^hud: PUT .*\/head answered 404: /);
  }, 60_000);
});
