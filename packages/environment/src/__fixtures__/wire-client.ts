import { withDeadline } from '@hud/testing';

/** The raw line client and the recorded transcripts' lines, shared with packages/e2e. */
export { recordedLines, WireClient } from '@hud/testing';

/** Deadline for any single wait in these tests (a deadline, not a timing claim). */
export const DEADLINE_MS = 15_000;

/** Polls `check` until it returns true (deadline `ms`, default `DEADLINE_MS`). */
export async function eventually(
  check: () => boolean,
  what: string,
  ms = DEADLINE_MS,
): Promise<void> {
  let stop = false;
  try {
    await withDeadline(
      new Promise<void>((resolve) => {
        const tick = () => {
          if (check()) resolve();
          else if (!stop) setTimeout(tick, 5);
        };
        tick();
      }),
      what,
      ms,
    );
  } finally {
    stop = true;
  }
}

/** Sleeps (only ever used to let a TTL pass, never to assert a duration). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

