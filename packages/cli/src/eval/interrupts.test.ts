import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { runInterruptible } from './interrupts.js';

function harness(resume?: string) {
  const signals = new EventEmitter();
  const written: string[] = [];
  const exits: number[] = [];
  const options = {
    signals,
    write: (text: string) => written.push(text),
    exit: (code: number) => exits.push(code),
    resumeLine: () => resume,
  };
  return { signals, written, exits, options };
}

describe('runInterruptible', () => {
  it('aborts the signal on the first SIGINT, saying it stops, and lets the work finish', async () => {
    const { signals, written, exits, options } = harness(
      'resume with: hud eval t.ts oracle --resume x\n',
    );
    const result = await runInterruptible(options, async (signal) => {
      signals.emit('SIGINT');
      expect(signal.aborted).toBe(true);
      expect((signal.reason as Error).message).toBe('interrupted (SIGINT)');
      return 'recorded so far';
    });
    expect(result).toBe('recorded so far');
    expect(written).toEqual([
      '\nstopping: no new rollouts; tearing down running ones (Ctrl-C again to quit at once)\n',
    ]);
    expect(exits).toEqual([]);
  });

  it('quits with 130 on the second, printing the resume line', async () => {
    const { signals, written, exits, options } = harness(
      'resume with: hud eval t.ts oracle --resume x\n',
    );
    await runInterruptible(options, async () => {
      signals.emit('SIGTERM');
      signals.emit('SIGINT');
    });
    expect(written.at(-1)).toBe('\nresume with: hud eval t.ts oracle --resume x\n');
    expect(exits).toEqual([130]);
  });

  it('quits without a resume line while the job has no id yet', async () => {
    const { signals, written, exits, options } = harness(undefined);
    await runInterruptible(options, async () => {
      signals.emit('SIGINT');
      signals.emit('SIGINT');
    });
    expect(written).toHaveLength(1);
    expect(exits).toEqual([130]);
  });

  it('removes its listeners when the work ends, thrown or not', async () => {
    const { signals, options } = harness();
    await runInterruptible(options, async () => {
      expect(signals.listenerCount('SIGINT')).toBe(1);
      expect(signals.listenerCount('SIGTERM')).toBe(1);
    });
    await expect(
      runInterruptible(options, async () => {
        throw new Error('load failed');
      }),
    ).rejects.toThrow('load failed');
    expect(signals.listenerCount('SIGINT')).toBe(0);
    expect(signals.listenerCount('SIGTERM')).toBe(0);
  });
});
