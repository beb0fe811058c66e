import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { tempDirEachTest } from '@hud/testing';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from './run-record.js';
import { RunSideWriter, redactLine, storedFileTracking } from './run-side-writer.js';
import { JobStore } from './store.js';
import type { HudSpan } from './upload/span.js';

const scratch = tempDirEachTest('hud-eval-side-');

const meta = {
  id: 'job1',
  name: 'j',
  group: 1,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  status: 'running' as const,
  source: null,
  agent: { name: 'a', model: null },
  taskset: { name: 't', count: 1, taskset_id: null, file: 'tasks.jsonl' as const },
  totals: null,
};

describe('redactLine', () => {
  it('replaces bearer tokens, key=value secrets and well-known key prefixes', () => {
    expect(redactLine('Authorization: Bearer abcdef0123456789')).toBe(
      'Authorization: Bearer [redacted]',
    );
    expect(redactLine('API_KEY=supersecretvalue and more')).toBe('API_KEY=[redacted] and more');
    expect(redactLine('using hud_AAAAAAAAAAAAAAAAAAAAAAAA now')).toBe('using [redacted] now');
    expect(redactLine('aws AKIAABCDEFGHIJKLMNOP')).toBe('aws [redacted]');
    expect(redactLine('plain output 42')).toBe('plain output 42');
  });
});

describe('RunSideWriter and JobStore.readTraceSide', () => {
  it("writes a run's spans, logs and events next to its steps and reads them back", async () => {
    const store = new JobStore(scratch.path);
    const writer = await store.create(meta, []);
    const side = new RunSideWriter(writer, 'trace1');
    const sides = new Map([['trace1', side]]);
    const forwarded: string[] = [];
    const tracking = storedFileTracking(
      { onSpan: (traceId) => forwarded.push(traceId) },
      writer,
      sides,
    );
    tracking?.onSpan('trace1', { name: 'filetracking.diff', span_id: 's1' } as HudSpan);
    side.phase('provisioning');
    side.logs([
      {
        time: '2026-01-01T00:00:01.000Z',
        source: 'container',
        stream: 'stderr',
        line: 'token=abcdefgh1',
      },
    ]);
    side.end({
      status: 'error',
      error: '[agent loop] boom',
      reward: null,
      ended_at: '2026-01-01T00:00:02.000Z',
      stop_reason: null,
      timings: { total: 5 },
    } as unknown as RunRecord);
    await side.close();
    await writer.close();
    expect(forwarded).toEqual(['trace1']);
    expect(await store.readTraceSide('trace1', 'spans', 'job1')).toEqual([
      { name: 'filetracking.diff', span_id: 's1' },
    ]);
    expect(await store.readTraceSide('trace1', 'logs', 'job1')).toEqual([
      {
        time: '2026-01-01T00:00:01.000Z',
        source: 'container',
        stream: 'stderr',
        line: 'token=[redacted]',
      },
    ]);
    const events = (await store.readTraceSide('trace1', 'events', 'job1')) as {
      phase: string;
      level: string;
      message: string;
    }[];
    expect(events.map(({ phase, level }) => [phase, level])).toEqual([
      ['acquire', 'info'],
      ['end', 'error'],
    ]);
    expect(events[1]?.message).toBe('[agent loop] boom');
    // Spans and logs next to the steps; events in the job's event log (no file per run for them).
    const files = await readdir(path.join(scratch.path, 'job1', 'traces'));
    expect(files.sort()).toEqual([
      'job.events.all.jsonl',
      'trace1.logs.jsonl',
      'trace1.spans.jsonl',
    ]);
  });

  it('reads nothing for a run without side files (stores written before them)', async () => {
    const store = new JobStore(scratch.path);
    const writer = await store.create(meta, []);
    await writer.close();
    expect(await store.readTraceSide('trace1', 'logs', 'job1')).toEqual([]);
    await expect(store.readTraceSide('../x', 'logs', 'job1')).rejects.toThrow(
      "not a trace id: '../x'",
    );
  });

  it('leaves file tracking as asked without a store', () => {
    expect(storedFileTracking(undefined, undefined, new Map())).toBeUndefined();
  });
});
