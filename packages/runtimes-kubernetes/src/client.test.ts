import { describe, expect, it } from 'vitest';
import { retryable } from './client.js';
import { describePod } from './pod-status.js';

describe('retryable and describePod', () => {
  it('retries 429, 5xx and transport failures, never other answers', () => {
    expect(retryable({ code: 429 })).toBe(true);
    expect(retryable({ code: 503 })).toBe(true);
    expect(retryable({ statusCode: 500 })).toBe(true);
    expect(retryable({ code: 409 })).toBe(false);
    expect(retryable({ code: 403 })).toBe(false);
    expect(
      retryable(Object.assign(new Error('fetch failed'), { cause: { code: 'ECONNREFUSED' } })),
    ).toBe(true);
    expect(retryable(new Error('bad'))).toBe(false);
  });

  it('says where a pod is in one line', () => {
    expect(describePod(undefined)).toBe('deleted');
    expect(
      describePod({
        status: {
          phase: 'Pending',
          containerStatuses: [
            {
              name: 'env',
              image: 'i',
              imageID: '',
              ready: false,
              restartCount: 0,
              state: { waiting: { reason: 'ImagePullBackOff', message: 'pull access denied' } },
            },
          ],
          conditions: [{ type: 'Ready', status: 'False', reason: 'ContainersNotReady' }],
        },
      }),
    ).toBe(
      'Pending (container ImagePullBackOff: pull access denied; Ready=False ContainersNotReady)',
    );
  });
});
