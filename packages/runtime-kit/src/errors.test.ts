import { describe, expect, it } from 'vitest';
import { sandboxRuntimeError } from './errors.js';

class OneError extends sandboxRuntimeError('OneRuntimeError', 'hud.test.one-runtime-error') {}
class TwoError extends sandboxRuntimeError('TwoRuntimeError', 'hud.test.two-runtime-error') {}

describe('sandboxRuntimeError', () => {
  it('carries the code and details, appending the last output lines to the message', () => {
    const cause = new Error('boom');
    const error = new OneError('not_ready', 'sandbox sb-1 did not answer hello', {
      sandboxId: 'sb-1',
      call: 'hello',
      output: 'line 1\nline 2',
      status: 503,
      cause,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: 'OneRuntimeError',
      code: 'not_ready',
      phase: 'provisioning',
      call: 'hello',
      sandboxId: 'sb-1',
      output: 'line 1\nline 2',
      status: 503,
      cause,
      message:
        'sandbox sb-1 did not answer hello\n--- last output lines of the sandbox ---\nline 1\nline 2',
    });
    const bare = new OneError('closed', 'closed', { phase: 'running' });
    expect(bare).toMatchObject({ message: 'closed', output: '', phase: 'running' });
    expect('cause' in bare).toBe(false);
  });

  it('recognises its own instances by brand, not another runtime’s', () => {
    const one = new OneError('exited', 'gone');
    expect(OneError.isInstance(one)).toBe(true);
    expect(TwoError.isInstance(one)).toBe(false);
    expect(OneError.isInstance(new Error('gone'))).toBe(false);
  });
});
