import { describe, expect, it } from 'vitest';
import { OutputTail } from './output-tail.js';

describe('OutputTail', () => {
  it('keeps the last 50 lines by default', () => {
    const tail = new OutputTail();
    tail.write('stderr', Array.from({ length: 120 }, (_, index) => `line ${index}\n`).join(''));
    const lines = tail.text().split('\n');
    expect(lines).toHaveLength(50);
    expect(lines[0]).toBe('line 70');
    expect(lines.at(-1)).toBe('line 119');
  });

  it('keeps at most 16 KiB, even of one endless line', () => {
    const tail = new OutputTail();
    tail.write('stderr', `${'x'.repeat(40_000)}\n${'y'.repeat(10_000)}\n`);
    expect(tail.text().length).toBeLessThanOrEqual(16 * 1024);
    expect(tail.text().endsWith('y')).toBe(true);
    tail.write('stdout', 'z'.repeat(100_000));
    expect(tail.text().length).toBeLessThanOrEqual(2 * 16 * 1024 + 1);
  });

  it('assembles lines per stream, so interleaved chunks never splice', () => {
    const tail = new OutputTail();
    expect(tail.write('stdout', 'HUD_SERVE_')).toEqual([]);
    expect(tail.write('stderr', 'warn: a\r\nwarn')).toEqual(['warn: a']);
    expect(tail.write('stdout', 'PORT=4000\n')).toEqual(['HUD_SERVE_PORT=4000']);
    tail.end('stderr');
    expect(tail.text()).toBe('warn: a\nHUD_SERVE_PORT=4000\nwarn');
  });
});
