import { describe, expect, it } from 'vitest';
import { fetchLogLines, timedLogLines } from './container-logs.js';

/** One multiplexed log frame (stream 1 stdout, 2 stderr) as the engine sends it. */
function frame(stream: number, text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

describe('timedLogLines', () => {
  it('splits frames per stream and reads the engine timestamp of each line', () => {
    const buffer = Buffer.concat([
      frame(1, '2026-01-01T00:00:01.123456789Z hello\n2026-01-01T00:00:02Z world\n'),
      frame(2, '2026-01-01T00:00:03.5Z oops\r\n'),
    ]);
    expect(timedLogLines(buffer)).toEqual([
      { time: '2026-01-01T00:00:01.123Z', stream: 'stdout', line: 'hello' },
      { time: '2026-01-01T00:00:02.000Z', stream: 'stdout', line: 'world' },
      { time: '2026-01-01T00:00:03.500Z', stream: 'stderr', line: 'oops' },
    ]);
  });

  it('reads a TTY log (no frames) as stdout, keeping lines without a timestamp', () => {
    expect(timedLogLines(Buffer.from('plain line\n'))).toEqual([
      { time: '', stream: 'stdout', line: 'plain line' },
    ]);
  });
});

describe('fetchLogLines', () => {
  it('asks the engine for timestamped stdout and stderr, and gives [] when the container is gone', async () => {
    const asked: unknown[] = [];
    const container = {
      logs: async (options: unknown) => {
        asked.push(options);
        return frame(2, '2026-01-01T00:00:00Z boom\n');
      },
    };
    expect(await fetchLogLines(container as never, 10)).toEqual([
      { time: '2026-01-01T00:00:00.000Z', stream: 'stderr', line: 'boom' },
    ]);
    expect(asked).toEqual([
      { stdout: true, stderr: true, timestamps: true, tail: 10, follow: false },
    ]);
    const gone = { logs: async () => Promise.reject(new Error('no such container')) };
    expect(await fetchLogLines(gone as never, 10)).toEqual([]);
  });
});
