import { describe, expect, it } from 'vitest';
import { evalExitCode } from './exit-code.js';

describe('evalExitCode', () => {
  it('is 0 when every run has a verdict, whatever the reward', () => {
    expect(evalExitCode({ cancelled: false, errors: [] })).toBe(0);
  });

  it('is 1 when a run has no verdict', () => {
    expect(evalExitCode({ cancelled: false, errors: [{ slug: 'a' }] })).toBe(1);
  });

  it('is 130 when the job was interrupted, errors or not', () => {
    expect(evalExitCode({ cancelled: true, errors: [] })).toBe(130);
    expect(evalExitCode({ cancelled: true, errors: [{ slug: 'a' }] })).toBe(130);
  });
});
