import { randomBytes, randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeEachDialect } from '../../testing/databases.js';
import type { SpanRow } from '../areas/telemetry.js';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

function span(start: string, name = 'step.agent'): SpanRow {
  const spanId = hex(8);
  return {
    span_id: spanId,
    name,
    start_time: start,
    body: JSON.stringify({ span_id: spanId, name, start_time: start }),
  };
}

describeEachDialect('spans, jobs, traces and cancels on %s', (suite) => {
  const { skip } = suite;

  it.skipIf(skip)('stores a batch once: a re-sent batch adds nothing', async () => {
    const teamId = randomUUID();
    const traceId = hex(16);
    const spans = [span('2026-01-01T00:00:00.000002Z'), span('2026-01-01T00:00:00.000001+00:00')];
    expect(await suite.store.telemetry.ingestSpans({ teamId, traceId, spans })).toEqual({
      inserted: 2,
    });
    expect(await suite.store.telemetry.ingestSpans({ teamId, traceId, spans })).toEqual({
      inserted: 0,
    });
    const page = await suite.store.telemetry.listSpans({ teamId, traceId, limit: 10 });
    // Ordered by time across notations (`+00:00` and `Z`), to the microsecond.
    expect(page.spans.map((s) => (s as { span_id: string }).span_id)).toEqual([
      spans[1]?.span_id,
      spans[0]?.span_id,
    ]);
    expect(page.next).toBeNull();
    // Spans before any `enter` still index the trace.
    expect(await suite.store.jobs.getTrace(teamId, traceId)).toMatchObject({
      status: 'running',
      span_count: 2,
    });
    // Another team sees nothing.
    expect(
      (await suite.store.telemetry.listSpans({ teamId: randomUUID(), traceId, limit: 10 })).spans,
    ).toEqual([]);
  });

  it.skipIf(skip)('pages spans in order; equal start times keep their arrival order', async () => {
    const teamId = randomUUID();
    const traceId = hex(16);
    const sameTime = Array.from({ length: 7 }, () => span('2026-01-01T00:00:00Z'));
    await suite.store.telemetry.ingestSpans({ teamId, traceId, spans: sameTime });
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await suite.store.telemetry.listSpans({
        teamId,
        traceId,
        limit: 3,
        ...(after ? { after } : {}),
      });
      seen.push(...page.spans.map((s) => (s as { span_id: string }).span_id));
      if (!page.next) break;
      after = page.next;
    }
    expect(seen).toEqual(sameTime.map((s) => s.span_id));
  });

  it.skipIf(skip)('folds lifecycle reports into jobs and traces, in any order', async () => {
    const teamId = randomUUID();
    const jobId = hex(16);
    const [a, b, c] = [hex(16), hex(16), hex(16)];
    // A trace enters before its job (the job row is made), then the job enters.
    await suite.store.jobs.enterTrace({
      teamId,
      traceId: a,
      jobId,
      groupId: 'g1',
      taskSlug: 'count-1',
      model: 'm',
    });
    const job = await suite.store.jobs.enterJob({
      teamId,
      jobId,
      name: 'letters (3 tasks)',
      group: 1,
      tasksetId: null,
    });
    expect(job).toMatchObject({
      id: jobId,
      name: 'letters (3 tasks)',
      status: 'running',
      trace_count: 1,
    });
    await suite.store.jobs.exitTrace({
      teamId,
      traceId: a,
      status: 'completed',
      reward: 1,
      error: null,
      evaluationResult: { score: 1 },
      stopReason: 'done',
      metadata: { k: 'v' },
    });
    // An exit with no enter makes the trace; a later enter does not reopen it.
    await suite.store.jobs.exitTrace({
      teamId,
      traceId: b,
      status: 'error',
      reward: null,
      error: '[provisioning] boom',
      evaluationResult: null,
      stopReason: null,
      metadata: null,
    });
    await suite.store.jobs.enterTrace({
      teamId,
      traceId: b,
      jobId,
      groupId: null,
      taskSlug: 'count-2',
      model: null,
    });
    await suite.store.jobs.enterTrace({
      teamId,
      traceId: c,
      jobId,
      groupId: null,
      taskSlug: 'count-3',
      model: null,
    });
    await suite.store.jobs.exitTrace({
      teamId,
      traceId: c,
      status: 'completed',
      reward: 0,
      error: null,
      evaluationResult: null,
      stopReason: null,
      metadata: null,
    });
    expect(await suite.store.jobs.getTrace(teamId, b)).toMatchObject({
      status: 'error',
      error: '[provisioning] boom',
      job_id: jobId,
      task_slug: 'count-2',
    });
    expect(await suite.store.jobs.getTrace(teamId, a)).toMatchObject({
      status: 'completed',
      reward: 1,
      evaluation_result: { score: 1 },
      metadata: { k: 'v' },
      stop_reason: 'done',
      group_id: 'g1',
      model: 'm',
    });
    expect(await suite.store.jobs.getJob(teamId, jobId)).toMatchObject({
      status: 'completed',
      trace_count: 3,
      running_count: 0,
      error_count: 1,
      reward: 0.5,
    });
    const traces = await suite.store.jobs.listJobTraces({ teamId, jobId, limit: 10, offset: 0 });
    expect(traces.map((t) => t.id).sort()).toEqual([a, b, c].sort());
    expect(
      await suite.store.jobs.listJobTraces({ teamId, jobId, limit: 2, offset: 2 }),
    ).toHaveLength(1);
  });

  it.skipIf(skip)('lists jobs newest first, a page at a time', async () => {
    const teamId = randomUUID();
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      const jobId = hex(16);
      ids.push(jobId);
      await suite.store.jobs.enterJob({
        teamId,
        jobId,
        name: `job ${index}`,
        group: 1,
        tasksetId: null,
      });
    }
    const seen: { id: string; created_at: string }[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await suite.store.jobs.listJobs({
        teamId,
        limit: 2,
        ...(before ? { before } : {}),
      });
      seen.push(...page.items);
      if (!page.next) break;
      before = page.next;
    }
    expect(new Set(seen.map((job) => job.id))).toEqual(new Set(ids));
    expect(seen).toHaveLength(5);
    const keys = seen.map((job) => `${job.created_at}|${job.id}`);
    expect(keys).toEqual([...keys].sort().reverse());
    expect((await suite.store.jobs.listJobs({ teamId: randomUUID(), limit: 10 })).items).toEqual(
      [],
    );
  });

  it.skipIf(skip)('cancel marks running traces only, per trace, per job and per team', async () => {
    const teamId = randomUUID();
    const [job1, job2] = [hex(16), hex(16)];
    const [running1, done1, running2] = [hex(16), hex(16), hex(16)];
    await suite.store.jobs.enterJob({
      teamId,
      jobId: job1,
      name: 'one',
      group: 1,
      tasksetId: null,
    });
    await suite.store.jobs.enterTrace({
      teamId,
      traceId: running1,
      jobId: job1,
      groupId: null,
      taskSlug: 's',
      model: null,
    });
    await suite.store.jobs.enterTrace({
      teamId,
      traceId: done1,
      jobId: job1,
      groupId: null,
      taskSlug: 's',
      model: null,
    });
    await suite.store.jobs.exitTrace({
      teamId,
      traceId: done1,
      status: 'completed',
      reward: 1,
      error: null,
      evaluationResult: null,
      stopReason: null,
      metadata: null,
    });
    await suite.store.jobs.enterTrace({
      teamId,
      traceId: running2,
      jobId: job2,
      groupId: null,
      taskSlug: 's',
      model: null,
    });

    expect(await suite.store.cancels.cancelTrace({ teamId, traceId: done1 })).toBe('finished');
    expect(await suite.store.cancels.cancelTrace({ teamId, traceId: hex(16) })).toBe('not_found');
    expect(await suite.store.cancels.cancelJob({ teamId, jobId: hex(16) })).toEqual({
      found: false,
      cancelled: 0,
    });
    expect(await suite.store.cancels.cancelJob({ teamId, jobId: job1 })).toEqual({
      found: true,
      cancelled: 1,
    });
    expect((await suite.store.jobs.getTrace(teamId, running1))?.cancel_requested).toBe(true);
    expect((await suite.store.jobs.getTrace(teamId, done1))?.cancel_requested).toBe(false);
    expect(await suite.store.cancels.cancelTeamJobs(teamId)).toEqual([
      { job_id: job2, cancelled: 1 },
    ]);
    expect(await suite.store.cancels.cancelTeamJobs(teamId)).toEqual([]);
    expect(await suite.store.cancels.cancelTrace({ teamId, traceId: running2 })).toBe('accepted');
    expect((await suite.store.jobs.getJob(teamId, job2))?.cancel_requested).toBe(true);
  });
});
