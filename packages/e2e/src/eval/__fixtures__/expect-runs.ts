import type { Job } from '@hud/eval';
import { expect } from 'vitest';

/**
 * Asserts every run of `job` ended without a grade as an error run with this `status`, `stop_reason` and
 * `error`, and that the job has no reward.
 */
export function expectUngraded(
  job: Job,
  ended: { status: 'cancelled' | 'error'; stop_reason: string; error: string },
): void {
  for (const run of job.runs) {
    expect(run).toMatchObject({
      status: ended.status,
      stop_reason: ended.stop_reason,
      grade: null,
      isError: true,
    });
    expect(run.error).toBe(ended.error);
  }
  expect(job.reward).toBeNull();
}
