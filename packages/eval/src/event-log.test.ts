import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { tempDirEachTest } from '@hud/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EVENT_LOG_FILE } from './event-log.js';
import type { JobMeta } from './job-meta.js';
import { phaseEvent, RunSideWriter } from './run-side-writer.js';
import { JobStore } from './store.js';
import { TRACE_FLUSH_INTERVAL_MS } from './store-writer.js';

const scratch = tempDirEachTest('hud-eval-event-log-');

const meta: JobMeta = {
  id: 'job1',
  name: 'events',
  group: 1,
  created_at: '2026-12-07T00:00:00.000Z',
  updated_at: '2026-12-07T00:00:00.000Z',
  status: 'running',
  source: null,
  agent: { name: 'oracle', model: null },
  taskset: { name: 't', count: 2, taskset_id: null, file: 'tasks.jsonl' },
  totals: null,
};

const logFile = () => path.join(scratch.path, 'job1', EVENT_LOG_FILE);
const event = (phase: string) => ({
  time: '2026-12-07T00:00:00.000Z',
  source: 'runtime' as const,
  phase,
  level: 'info' as const,
  message: `entering ${phase}`,
});
const phases = (events: unknown[]) => events.map((item) => (item as { phase: string }).phase);

afterEach(() => {
  vi.useRealTimers();
});

describe("the job's event log", () => {
  it('keeps every run’s events in one file for the job, none per run, and reads each run’s back in order', async () => {
    const store = new JobStore(scratch.path);
    const writer = await store.create(meta, []);
    const first = new RunSideWriter(writer, 'feed01');
    const second = new RunSideWriter(writer, 'feed02');
    first.phase('provisioning');
    second.phase('provisioning');
    first.phase('starting task');
    second.event(event('custom'));
    await second.close();
    first.phase('cleanup');
    await first.close();
    await writer.close();

    expect(readdirSync(path.join(scratch.path, 'job1', 'traces'))).toEqual([
      'job.events.all.jsonl',
    ]);
    const lines = readFileSync(logFile(), 'utf8').trimEnd().split('\n');
    // One write per run, when it closes: the second run's lines come first.
    expect(lines.map((line) => JSON.parse(line).trace_id)).toEqual([
      'feed02',
      'feed02',
      'feed01',
      'feed01',
      'feed01',
    ]);
    const events = await store.readTraceSide('feed01', 'events', 'job1');
    expect(phases(events)).toEqual(['acquire', 'setup', 'teardown']);
    expect(events[0]).toEqual({ ...phaseEvent('provisioning'), time: expect.any(String) });
    expect(events[0]).not.toHaveProperty('trace_id');
    expect(phases(await store.readTraceSide('feed02', 'events', 'job1'))).toEqual([
      'acquire',
      'custom',
    ]);
    expect(await store.readTraceSide('feed03', 'events', 'job1')).toEqual([]);
  });

  it('writes the events of a run still going every TRACE_FLUSH_INTERVAL_MS', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const store = new JobStore(scratch.path);
    const writer = await store.create(meta, []);
    const side = new RunSideWriter(writer, 'feed01');
    side.phase('provisioning');
    expect(existsSync(logFile())).toBe(false);
    vi.advanceTimersByTime(TRACE_FLUSH_INTERVAL_MS);
    expect(phases(await store.readTraceSide('feed01', 'events', 'job1'))).toEqual(['acquire']);
    side.phase('agent loop');
    await side.close();
    expect(phases(await store.readTraceSide('feed01', 'events', 'job1'))).toEqual([
      'acquire',
      'agent',
    ]);
    await writer.close();
  });

  it('skips a torn last line, reads what is appended later, and cuts the torn tail when the job is reopened', async () => {
    const store = new JobStore(scratch.path);
    const writer = await store.create(meta, []);
    const side = new RunSideWriter(writer, 'feed01');
    side.phase('provisioning');
    await side.close();
    await writer.close();
    appendFileSync(logFile(), '{"trace_id":"feed01","time":"2026-12-07T00:00:0'); // a crash mid-write
    expect(phases(await store.readTraceSide('feed01', 'events', 'job1'))).toEqual(['acquire']);

    const reopened = await store.reopen('job1');
    const resumed = new RunSideWriter(reopened, 'feed02');
    resumed.phase('provisioning');
    await resumed.close();
    const more = new RunSideWriter(reopened, 'feed01');
    more.event(event('again'));
    await more.close();
    await reopened.close();
    // The same store reads on from where it was (the torn tail was cut, so it starts over cleanly).
    expect(phases(await store.readTraceSide('feed01', 'events', 'job1'))).toEqual([
      'acquire',
      'again',
    ]);
    expect(phases(await store.readTraceSide('feed02', 'events', 'job1'))).toEqual(['acquire']);
    expect(
      readFileSync(logFile(), 'utf8')
        .split('\n')
        .filter(Boolean)
        .every((line) => JSON.parse(line)),
    ).toBe(true);
  });

  it('names a bad line that is not the last', async () => {
    mkdirSync(path.dirname(logFile()), { recursive: true });
    writeFileSync(path.join(scratch.path, 'job1', 'job.json'), JSON.stringify(meta));
    writeFileSync(
      logFile(),
      '{"trace_id":"feed01","phase":"acquire"}\n{"trace_id":"feed01","phase":\n{"trace_id":"feed01"}\n',
    );
    const store = new JobStore(scratch.path);
    await expect(store.readTraceSide('feed01', 'events', 'job1')).rejects.toMatchObject({
      code: 'store_corrupt',
      message: expect.stringContaining(`${logFile()} line 2: not valid JSON`),
    });
    writeFileSync(logFile(), '{"trace_id":"feed01","phase":"acquire"}\n{"phase":"setup"}\n{}\n');
    await expect(
      new JobStore(scratch.path).readTraceSide('feed01', 'events', 'job1'),
    ).rejects.toThrow(`${logFile()} line 2: no trace_id first`);
  });

  it('reads the per-run events file of a store written before the event log', async () => {
    const traces = path.join(scratch.path, 'job1', 'traces');
    mkdirSync(traces, { recursive: true });
    writeFileSync(path.join(scratch.path, 'job1', 'job.json'), JSON.stringify(meta));
    writeFileSync(
      path.join(traces, 'feed01.events.jsonl'),
      `${JSON.stringify(event('acquire'))}\n`,
    );
    const store = new JobStore(scratch.path);
    expect(await store.readTraceSide('feed01', 'events', 'job1')).toEqual([event('acquire')]);
  });
});
