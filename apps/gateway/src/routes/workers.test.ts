import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { disposeTestGateways, type TestGateway, testGateway } from '../testing/app.js';
import { runBinToExit, startBin } from '../testing/bin-process.js';
import { DIALECTS, freshDataDir, postgresSkip } from '../testing/databases.js';

afterEach(disposeTestGateways);

const hex = () => randomBytes(16).toString('hex');

/** A hud-python `HostedRuntime` submit body (dashed UUIDs, as it sends them). */
function submitBody(jobId: string, slug: string, env = 'sample-env') {
  return {
    trace_id: randomUUID(),
    job_id: jobId,
    env,
    task: 'count',
    slug,
    args: { sentence: 'banana', letter: 'a' },
    agent: { type: 'claude', config: { model: 'claude-sonnet-4-6', max_steps: 5 } },
    group_id: 'g-1',
  };
}

async function claim(gateway: TestGateway, workerId: string, key?: string, capacity = 1) {
  const response = await gateway.call('POST', '/v2/workers/claim', {
    ...(key ? { key } : {}),
    body: { worker_id: workerId, name: `worker ${workerId}`, runtimes: ['docker'], capacity },
  });
  expect(response.status).toBe(200);
  return response.body.leases as {
    lease_id: string;
    trace_id: string;
    job_id: string;
    attempt: number;
    key: string;
    lease_ttl_s: number;
    rollout: Record<string, unknown>;
    environment: { name: string; image: string | null };
  }[];
}

describe.each(DIALECTS)('worker routes on %s', (dialect) => {
  const skip = dialect === 'postgres' ? postgresSkip() : '';

  it.skipIf(skip)(
    'submit → claim → heartbeat → complete: the trace and job show the reward',
    async () => {
      const gateway = await testGateway({ dialect });
      const jobId = randomUUID();
      const body = submitBody(jobId, 'count-e8d5ddbb');
      const submitted = await gateway.call('POST', '/v2/rollouts/submit', { body });
      expect(submitted.status).toBe(200);
      const traceId = body.trace_id.replaceAll('-', '');
      const canonicalJob = jobId.replaceAll('-', '');
      expect(submitted.body).toEqual({ trace_id: traceId, job_id: canonicalJob, status: 'queued' });
      // Idempotent: the same answer, nothing queued twice.
      expect((await gateway.call('POST', '/v2/rollouts/submit', { body })).body).toEqual(
        submitted.body,
      );
      expect((await gateway.call('GET', `/v2/trace/${body.trace_id}`)).body.status).toBe('queued');

      const leases = await claim(gateway, 'w1', undefined, 4);
      expect(leases).toHaveLength(1);
      const [lease] = leases;
      expect(lease).toMatchObject({
        trace_id: traceId,
        job_id: canonicalJob,
        attempt: 1,
        lease_ttl_s: 30,
        rollout: {
          env: 'sample-env',
          task: 'count',
          slug: 'count-e8d5ddbb',
          args: { sentence: 'banana', letter: 'a' },
          agent: { type: 'claude', config: { model: 'claude-sonnet-4-6', max_steps: 5 } },
          group_id: 'g-1',
          runtime_config: null,
          verifier: null,
        },
        environment: { name: 'sample-env', image: null },
      });
      expect(lease?.key).toMatch(/^hud_/);
      expect((await gateway.call('GET', `/v2/trace/${traceId}`)).body.status).toBe('running');

      const beat = await gateway.call('POST', '/v2/workers/heartbeat', {
        body: { worker_id: 'w1', lease_ids: [lease?.lease_id] },
      });
      expect(beat.body).toEqual({ leases: [{ lease_id: lease?.lease_id, state: 'active' }] });
      const done = await gateway.call('POST', '/v2/workers/complete', {
        body: { lease_id: lease?.lease_id, status: 'completed', reward: 1 },
      });
      expect(done.status).toBe(200);
      expect(done.body).toEqual({ recorded: true });
      const trace = (await gateway.call('GET', `/v2/trace/${body.trace_id}`)).body;
      expect(trace).toMatchObject({ status: 'completed', reward: 1, error: null });
      const jobs = (await gateway.call('GET', '/v2/jobs')).body.items;
      expect(jobs).toContainEqual(
        expect.objectContaining({ id: canonicalJob, status: 'completed', reward: 1 }),
      );
      // Recorded once: a second complete of the same lease is refused.
      const again = await gateway.call('POST', '/v2/workers/complete', {
        body: { lease_id: lease?.lease_id, status: 'completed', reward: 0 },
      });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ error: 'lease_lost', lease_id: lease?.lease_id });
    },
  );

  it.skipIf(skip)(
    'an expired lease goes to a second worker as attempt 2; the first worker’s late complete gets 409',
    async () => {
      const gateway = await testGateway({ dialect, rollouts: { leaseTtlSeconds: 0.3 } });
      const body = submitBody(randomUUID(), 'slow-1');
      await gateway.call('POST', '/v2/rollouts/submit', { body });
      const [first] = await claim(gateway, 'w1');
      expect(first).toMatchObject({ attempt: 1, lease_ttl_s: 0.3 });
      // Worker 1 stops heartbeating; worker 2 claims once the lease has expired.
      let second: Awaited<ReturnType<typeof claim>>[number] | undefined;
      for (let i = 0; i < 100 && !second; i++) {
        await sleep(100);
        [second] = await claim(gateway, 'w2');
      }
      expect(second).toMatchObject({ trace_id: first?.trace_id, attempt: 2 });
      const late = await gateway.call('POST', '/v2/workers/complete', {
        body: { lease_id: first?.lease_id, status: 'completed', reward: 1 },
      });
      expect(late.status).toBe(409);
      expect(late.body.error).toBe('lease_lost');
      const beat = await gateway.call('POST', '/v2/workers/heartbeat', {
        body: { worker_id: 'w1', lease_ids: [first?.lease_id] },
      });
      expect(beat.body.leases).toEqual([{ lease_id: first?.lease_id, state: 'lost' }]);
      expect((await gateway.call('GET', `/v2/trace/${body.trace_id}`)).body).toMatchObject({
        status: 'running',
        reward: null,
      });
      // Worker 2's verdict is the one recorded.
      await gateway.call('POST', '/v2/workers/complete', {
        body: { lease_id: second?.lease_id, status: 'completed', reward: 0.5 },
      });
      expect((await gateway.call('GET', `/v2/trace/${body.trace_id}`)).body).toMatchObject({
        status: 'completed',
        reward: 0.5,
      });
    },
  );

  it.skipIf(skip)(
    'cancel_job: a queued rollout is cancelled at once, a leased one in the heartbeat',
    async () => {
      const gateway = await testGateway({ dialect });
      const jobId = randomUUID();
      const [a, b] = [submitBody(jobId, 'a'), submitBody(jobId, 'b')];
      await gateway.call('POST', '/v2/rollouts/submit', { body: a });
      const [lease] = await claim(gateway, 'w1');
      await gateway.call('POST', '/v2/rollouts/submit', { body: b });
      const cancelled = await gateway.call('POST', '/v2/rollouts/cancel_job', {
        body: { job_id: jobId },
      });
      expect(cancelled.body).toMatchObject({ found: true, cancelled: 2 });
      expect((await gateway.call('GET', `/v2/trace/${b.trace_id}`)).body.status).toBe('cancelled');
      const beat = await gateway.call('POST', '/v2/workers/heartbeat', {
        body: { worker_id: 'w1', lease_ids: [lease?.lease_id] },
      });
      expect(beat.body.leases).toEqual([{ lease_id: lease?.lease_id, state: 'cancelled' }]);
      await gateway.call('POST', '/v2/workers/complete', {
        body: { lease_id: lease?.lease_id, status: 'cancelled', error: 'cancelled by request' },
      });
      expect((await gateway.call('GET', `/v2/trace/${a.trace_id}`)).body.status).toBe('cancelled');
      expect(await claim(gateway, 'w2')).toEqual([]);
    },
  );
});

describe('worker routes', () => {
  it('cancel of one queued trace; a retry re-queues; max attempts end in the reason', async () => {
    const gateway = await testGateway({ rollouts: { maxAttempts: 2 } });
    const jobId = randomUUID();
    const [a, b] = [submitBody(jobId, 'a'), submitBody(jobId, 'b')];
    await gateway.call('POST', '/v2/rollouts/submit', { body: a });
    await gateway.call('POST', '/v2/rollouts/submit', { body: b });
    expect(
      (await gateway.call('POST', '/v2/rollouts/cancel', { body: { trace_id: b.trace_id } })).body
        .status,
    ).toBe('accepted');
    expect((await gateway.call('GET', `/v2/trace/${b.trace_id}`)).body.status).toBe('cancelled');
    for (const attempt of [1, 2]) {
      const [lease] = await claim(gateway, 'w', undefined, 5);
      expect(lease).toMatchObject({ trace_id: a.trace_id.replaceAll('-', ''), attempt });
      const given = await gateway.call('POST', '/v2/workers/complete', {
        body: {
          lease_id: lease?.lease_id,
          status: 'error',
          error: 'docker: no such image',
          retry: true,
        },
      });
      expect(given.body).toEqual({ recorded: true });
    }
    const trace = (await gateway.call('GET', `/v2/trace/${a.trace_id}`)).body;
    expect(trace.status).toBe('error');
    expect(trace.error).toContain('docker: no such image');
  });

  it('serves its team only; a bootstrap-team admin worker serves every team', async () => {
    const gateway = await testGateway();
    const otherMember = await gateway.mintKey({ team: 'other' });
    const otherAdmin = await gateway.mintKey({ team: 'other', role: 'admin' });
    const body = submitBody(randomUUID(), 'x');
    await gateway.call('POST', '/v2/rollouts/submit', { body, key: otherMember });
    // A member worker of the default team does not see team other's rollout.
    const defaultMember = await gateway.mintKey({ team: 'default' });
    expect(await claim(gateway, 'w0', defaultMember)).toEqual([]);
    const [lease] = await claim(gateway, 'w1', gateway.adminKey);
    expect(lease?.trace_id).toBe(body.trace_id.replaceAll('-', ''));
    // Team other's own (non-bootstrap) admin worker is scoped to team other: the lease is its team's.
    const done = await gateway.call('POST', '/v2/workers/complete', {
      key: otherAdmin,
      body: { lease_id: lease?.lease_id, status: 'completed', reward: 1 },
    });
    expect(done.status).toBe(200);
  });

  it('the lease key uploads spans for its trace, and is refused (401) once the lease ends', async () => {
    const gateway = await testGateway();
    const body = submitBody(randomUUID(), 'spans');
    await gateway.call('POST', '/v2/rollouts/submit', { body });
    const [lease] = await claim(gateway, 'w1');
    const span = {
      trace_id: lease?.trace_id,
      span_id: randomBytes(8).toString('hex'),
      name: 'step.agent',
      start_time: new Date().toISOString(),
      end_time: new Date().toISOString(),
      attributes: { task_run_id: lease?.trace_id },
    };
    const upload = (key: string) =>
      gateway.call('POST', `/v3/api/trace/${lease?.trace_id}/telemetry-upload`, {
        key,
        body: { telemetry: [span] },
      });
    const accepted = await upload(lease?.key ?? '');
    expect(accepted.status).toBe(200);
    expect(accepted.body.inserted).toBe(1);
    await gateway.call('POST', '/v2/workers/complete', {
      body: { lease_id: lease?.lease_id, status: 'completed', reward: 1 },
    });
    const refused = await upload(lease?.key ?? '');
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toContain('revoked');
  });

  it('gives the deployed image of the environment, and 400s naming a bad field', async () => {
    const gateway = await testGateway();
    const team = await gateway.store.keys.ensureTeam('default');
    const build = await gateway.store.builds.createBuild({
      teamId: team.id,
      keyId: null,
      tokenHash: hex(),
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    await gateway.store.builds.recordUpload(build.id, 10);
    await gateway.store.builds.trigger({
      teamId: team.id,
      buildId: build.id,
      name: 'deployed-env',
      noCache: false,
      buildArgs: {},
      environmentVariables: {},
      secretIds: [],
    });
    await gateway.store.builds.setStatus(build.id, 'SUCCEEDED', {
      image: '127.0.0.1:5000/deployed-env:v0.1.0',
    });
    await gateway.call('POST', '/v2/rollouts/submit', {
      body: submitBody(randomUUID(), 'img', 'deployed-env'),
    });
    const [lease] = await claim(gateway, 'w1');
    expect(lease?.environment).toEqual({
      name: 'deployed-env',
      image: '127.0.0.1:5000/deployed-env:v0.1.0',
    });

    const bad = await gateway.call('POST', '/v2/workers/claim', {
      body: { worker_id: 'w', capacity: 0 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toContain('capacity');
    const badComplete = await gateway.call('POST', '/v2/workers/complete', {
      body: { lease_id: 'x', status: 'done' },
    });
    expect(badComplete.status).toBe(400);
    expect(badComplete.body.detail).toContain('status');
    const badSubmit = await gateway.call('POST', '/v2/rollouts/submit', {
      body: { ...submitBody(randomUUID(), 's'), agent: { config: {} } },
    });
    expect(badSubmit.status).toBe(400);
    expect(badSubmit.body.detail).toContain('agent.type');
  });

  it('a claim with wait_s long-polls until a submit arrives', async () => {
    const gateway = await testGateway();
    const waiting = gateway.call('POST', '/v2/workers/claim', {
      body: { worker_id: 'w', runtimes: ['docker'], capacity: 1, wait_s: 20 },
    });
    await sleep(200);
    const body = submitBody(randomUUID(), 'late');
    await gateway.call('POST', '/v2/rollouts/submit', { body });
    const response = await waiting;
    expect(response.body.leases.map((l: { trace_id: string }) => l.trace_id)).toEqual([
      body.trace_id.replaceAll('-', ''),
    ]);
  });
});

describe('the hud-gateway bin', () => {
  it('takes --lease-ttl, --max-attempts and --team-concurrency, and refuses bad values', async () => {
    const bad = await runBinToExit(['--lease-ttl', '0']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--lease-ttl');
    const badAttempts = await runBinToExit(['--max-attempts', '1.5']);
    expect(badAttempts.code).not.toBe(0);
    expect(badAttempts.stderr).toContain('--max-attempts');
    const { dir, cleanup } = await freshDataDir();
    const key = 'hud_bin_rollouts_key_0123456789';
    const gateway = await startBin(
      [
        '--port',
        '0',
        '--data-dir',
        dir,
        '--lease-ttl',
        '2.5',
        '--max-attempts',
        '4',
        '--team-concurrency',
        '1',
      ],
      { HUD_GATEWAY_BOOTSTRAP_KEY: key },
    );
    try {
      const post = async (path: string, body: unknown) =>
        (await (
          await fetch(`${gateway.url}${path}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          })
        ).json()) as { leases: { lease_ttl_s: number }[] };
      const jobId = randomUUID();
      await post('/v2/rollouts/submit', submitBody(jobId, 'a'));
      await post('/v2/rollouts/submit', submitBody(jobId, 'b'));
      const claimed = await post('/v2/workers/claim', { worker_id: 'w', capacity: 5 });
      // The team limit of 1 holds back the second rollout; the TTL is the flag's.
      expect(claimed.leases.map((lease) => lease.lease_ttl_s)).toEqual([2.5]);
    } finally {
      await gateway.stop();
      await cleanup();
    }
  });
});

describe('lifecycle reports of a hosted rollout', () => {
  it('an exit report does not overwrite a recorded verdict or a rollout queued again', async () => {
    const gateway = await testGateway({ rollouts: { maxAttempts: 3 } });
    const body = submitBody(randomUUID(), 'exit-guard');
    await gateway.call('POST', '/v2/rollouts/submit', { body });
    const [lease] = await claim(gateway, 'w1');
    await gateway.call('POST', '/v2/workers/complete', {
      body: { lease_id: lease?.lease_id, status: 'error', error: 'substrate failed', retry: true },
    });
    // Queued again: a stale exit (e.g. of the first attempt) must not show a verdict.
    const stale = await gateway.call('POST', `/v2/trace/${body.trace_id}/exit`, {
      body: { status: 'completed', reward: 1 },
    });
    expect(stale.status).toBe(200);
    expect((await gateway.call('GET', `/v2/trace/${body.trace_id}`)).body).toMatchObject({
      status: 'queued',
      reward: null,
    });
    const [second] = await claim(gateway, 'w2');
    await gateway.call('POST', '/v2/workers/complete', {
      body: { lease_id: second?.lease_id, status: 'completed', reward: 0.25 },
    });
    await gateway.call('POST', `/v2/trace/${body.trace_id}/exit`, {
      body: { status: 'completed', reward: 1 },
    });
    expect((await gateway.call('GET', `/v2/trace/${body.trace_id}`)).body).toMatchObject({
      status: 'completed',
      reward: 0.25,
    });
  });
});
