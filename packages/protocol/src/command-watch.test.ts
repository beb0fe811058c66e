import { afterEach, describe, expect, it, vi } from 'vitest';
import { exitStatus, watchCommand } from './command-watch.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('watchCommand', () => {
  it('kills once the deadline passes and reports the timeout; done() stops watching', () => {
    vi.useFakeTimers();
    const kill = vi.fn();
    const watch = watchCommand(kill, { timeoutMs: 1000 });
    vi.advanceTimersByTime(999);
    expect([kill.mock.calls.length, watch.timedOut]).toEqual([0, false]);
    vi.advanceTimersByTime(1);
    expect([kill.mock.calls.length, watch.timedOut]).toEqual([1, true]);
    const finished = watchCommand(kill, { timeoutMs: 1000 });
    finished.done();
    vi.advanceTimersByTime(5000);
    expect([kill.mock.calls.length, finished.timedOut]).toEqual([1, false]);
  });

  it('never times out without a deadline or past what setTimeout can wait', () => {
    vi.useFakeTimers();
    const kill = vi.fn();
    watchCommand(kill, {});
    watchCommand(kill, { timeoutMs: 2 ** 31 });
    vi.advanceTimersByTime(2 ** 31 + 1);
    expect(kill).not.toHaveBeenCalled();
  });

  it('kills when the signal aborts, at once when it already has, and not after done()', () => {
    const kill = vi.fn();
    const controller = new AbortController();
    const watch = watchCommand(kill, { signal: controller.signal });
    controller.abort();
    expect([kill.mock.calls.length, watch.timedOut]).toEqual([1, false]);
    watchCommand(kill, { signal: AbortSignal.abort() });
    expect(kill).toHaveBeenCalledTimes(2);
    const later = new AbortController();
    watchCommand(kill, { signal: later.signal }).done();
    later.abort();
    expect(kill).toHaveBeenCalledTimes(2);
  });
});

describe('exitStatus', () => {
  it('gives the code, -N for signal N (with or without SIG), else null', () => {
    expect(exitStatus(0, null)).toBe(0);
    expect(exitStatus(3, 'SIGKILL')).toBe(3);
    expect(exitStatus(null, 'SIGKILL')).toBe(-9);
    expect(exitStatus(undefined, 'TERM')).toBe(-15);
    expect(exitStatus(null, 'NOSUCHSIGNAL')).toBe(-0);
    expect(exitStatus(null, null)).toBeNull();
    expect(exitStatus(undefined, undefined)).toBeNull();
  });
});
