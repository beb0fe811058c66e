import { describe, expect, it } from 'vitest';
import { LocalRuntimeError, rejectRuntimeConfig } from './errors.js';

describe('LocalRuntimeError', () => {
  // Name, code, message, cause and brand: packages/e2e/src/error-classes.test.ts, with every coded error.
  it('keeps phase and output, defaulting to the provisioning phase with no output', () => {
    expect(new LocalRuntimeError('not_ready', 'no port within 10 s')).toMatchObject({
      phase: 'provisioning',
      output: '',
    });
    const error = new LocalRuntimeError('exited', 'child exited', {
      phase: 'running',
      output: 'last line\n',
    });
    expect(error).toMatchObject({ code: 'exited', phase: 'running', output: 'last line\n' });
    expect(Object.hasOwn(error, 'cause')).toBe(false);
  });

  it('rejectRuntimeConfig refuses a row with runtime_config, naming the task', () => {
    const row = { env: 'e', id: 't', args: {}, slug: 'demo', runtime_config: { image: 'x' } };
    expect(() => rejectRuntimeConfig(row, 'LocalRuntime')).toThrow(LocalRuntimeError);
    expect(() => rejectRuntimeConfig(row, 'LocalRuntime')).toThrow(
      `LocalRuntime cannot honour runtime_config {"image":"x"} of task 'demo'`,
    );
    expect(() => rejectRuntimeConfig({ ...row, runtime_config: {} }, 'LocalRuntime')).not.toThrow();
  });
});
