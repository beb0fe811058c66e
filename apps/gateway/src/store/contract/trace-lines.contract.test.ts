import { randomBytes, randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { describeEachDialect } from '../../testing/databases.js';

const hex = () => randomBytes(16).toString('hex');
const line = (time: string, text: string) => ({ time, body: JSON.stringify({ time, line: text }) });

describeEachDialect('trace log lines and debug events on %s', (suite) => {
  const { skip } = suite;

  it.skipIf(skip)('stores lines once per kind and pages them in time order', async () => {
    const teamId = randomUUID();
    const traceId = hex();
    const lines = [
      line('2026-01-01T00:00:02+00:00', 'b'),
      line('2026-01-01T00:00:01Z', 'a'),
      // The same text twice in a batch is two lines.
      line('2026-01-01T00:00:03Z', 'c'),
      line('2026-01-01T00:00:03Z', 'c'),
    ];
    const { telemetry } = suite.store;
    expect(await telemetry.ingestLines({ teamId, traceId, kind: 'log', lines })).toEqual({
      inserted: 4,
    });
    expect(await telemetry.ingestLines({ teamId, traceId, kind: 'log', lines })).toEqual({
      inserted: 0,
    });
    // Another kind of the same trace is kept apart.
    await telemetry.ingestLines({ teamId, traceId, kind: 'event', lines: [lines[0] as never] });
    const texts: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await telemetry.listLines({
        teamId,
        traceId,
        kind: 'log',
        limit: 3,
        ...(after ? { after } : {}),
      });
      texts.push(...page.items.map((item) => (item as { line: string }).line));
      if (!page.next) break;
      after = page.next;
    }
    expect(texts).toEqual(['a', 'b', 'c', 'c']);
    const events = await telemetry.listLines({ teamId, traceId, kind: 'event', limit: 10 });
    expect(events.items).toEqual([{ time: '2026-01-01T00:00:02+00:00', line: 'b' }]);
    // Lines index the trace like spans do, and another team sees none.
    expect(await suite.store.jobs.getTrace(teamId, traceId)).toMatchObject({ status: 'running' });
    expect(
      (await telemetry.listLines({ teamId: randomUUID(), traceId, kind: 'log', limit: 10 })).items,
    ).toEqual([]);
  });
});
