import { describe, expect, it } from 'vitest';
import { MinuteWindow } from './rate-window.js';

// The window's arithmetic with explicit clock values (no timers, no waiting).
describe('MinuteWindow (per-key sliding minute)', () => {
  it('counts the last 60 s and says when old seconds leave it', () => {
    const window = new MinuteWindow();
    const t0 = 1_000_000_000; // a whole second
    window.addRequest(t0 + 500);
    window.addRequest(t0 + 900);
    window.addRequest(t0 + 30_000);
    window.addTokens(700, t0 + 30_000);
    window.addTokens(400, t0 + 45_000);
    expect(window.use(t0 + 31_000)).toEqual({ requests: 3, tokens: 700 });
    expect(window.use(t0 + 46_000)).toEqual({ requests: 3, tokens: 1100 });
    // Below 3 requests once second t0 leaves the window (at t0 + 60 s): 29 s after t0 + 31 s.
    expect(window.secondsUntilBelow('requests', 3, t0 + 31_000)).toBe(29);
    // Below 1,000 tokens once second t0 + 30 leaves (t0 + 90 s); below 100 once t0 + 45 leaves too.
    expect(window.secondsUntilBelow('tokens', 1000, t0 + 46_000)).toBe(44);
    expect(window.secondsUntilBelow('tokens', 100, t0 + 46_000)).toBe(59);
    expect(window.use(t0 + 60_000)).toEqual({ requests: 1, tokens: 1100 });
    expect(window.use(t0 + 105_000)).toEqual({ requests: 0, tokens: 0 });
    // A bucket reused a minute later starts from zero.
    window.addRequest(t0 + 120_100);
    expect(window.use(t0 + 120_200)).toEqual({ requests: 1, tokens: 0 });
  });
});
