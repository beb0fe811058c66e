import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { runPool } from './scheduler.js';

describe('runPool', () => {
  it('pulls 10,000 items lazily, never more than `concurrency` ahead of the finished ones', async () => {
    let pulled = 0;
    let finished = 0;
    let maxAhead = 0;
    let maxRunning = 0;
    let running = 0;
    function* items() {
      for (let index = 0; index < 10_000; index++) {
        pulled++;
        maxAhead = Math.max(maxAhead, pulled - finished);
        yield index;
      }
    }
    const seen: number[] = [];
    await runPool(
      items(),
      { concurrency: 30, signal: new AbortController().signal },
      async (item) => {
        maxRunning = Math.max(maxRunning, ++running);
        if (item % 7 === 0) await tick();
        seen.push(item);
        running--;
        finished++;
      },
    );
    expect(seen).toHaveLength(10_000);
    expect(new Set(seen).size).toBe(10_000);
    expect(maxAhead).toBe(30);
    expect(maxRunning).toBe(30);
  });

  it('starts the next item as soon as one finishes, not when a batch finishes', async () => {
    const started: number[] = [];
    const release = new Map<number, () => void>();
    const pool = runPool(
      [0, 1, 2].values(),
      { concurrency: 2, signal: new AbortController().signal },
      (item) => {
        started.push(item);
        return new Promise<void>((resolve) => release.set(item, resolve));
      },
    );
    await tick();
    expect(started).toEqual([0, 1]);
    release.get(1)?.();
    await tick();
    expect(started).toEqual([0, 1, 2]); // item 0 still running
    release.get(0)?.();
    release.get(2)?.();
    await pool;
  });

  it('starts nothing once the signal aborts and waits for the running ones', async () => {
    const controller = new AbortController();
    const started: number[] = [];
    await runPool(
      [0, 1, 2, 3, 4].values(),
      { concurrency: 2, signal: controller.signal },
      async (item) => {
        started.push(item);
        if (item === 1) controller.abort();
        await tick();
      },
    );
    expect(started).toEqual([0, 1]);
  });
});
