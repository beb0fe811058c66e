import { HudClient } from '@hud/protocol';
import { describe, expect, it } from 'vitest';
import { trackProviders } from './__fixtures__/providers.js';
import { fixture, row } from './__fixtures__/rows.js';
import { LocalRuntime } from './local-runtime.js';
import { TimedLines } from './output-tail.js';

const track = trackProviders();

describe("a local lease's log lines (the job store's LOGS)", () => {
  it("gives the child's output lines with their stream, source and time", async () => {
    const provider = track(LocalRuntime(fixture('hooks.ts')));
    await using lease = await provider(row('hooks', 'ping'));
    {
      await using client = await HudClient.connect(lease);
      await client.startTask('ping');
    }
    const lines = await lease.logLines();
    const stray = lines.find((line) => line.line.includes('stray stdout line'));
    expect(stray).toMatchObject({ source: 'environment', stream: 'stdout' });
    expect(Number.isNaN(Date.parse(stray?.time ?? ''))).toBe(false);
  });
});

describe('TimedLines', () => {
  it('keeps the last lines within its line and character bounds', () => {
    const log = new TimedLines({ maxLines: 2, maxChars: 1_000 });
    log.add('stdout', ['a', 'b']);
    log.add('stderr', ['c']);
    expect(log.lines().map(({ stream, line }) => [stream, line])).toEqual([
      ['stdout', 'b'],
      ['stderr', 'c'],
    ]);
    const small = new TimedLines({ maxLines: 10, maxChars: 4 });
    small.add('stdout', ['123456789']);
    expect(small.lines().map((line) => line.line)).toEqual(['6789']);
  });
});
