import { describe, expect, it } from 'vitest';
import { brandedError, codedError } from './branded-error.js';

class ToolError extends brandedError('ToolError', 'hud.test-tool-error') {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

describe('brandedError', () => {
  it('gives instances the name, message and cause, as an Error', () => {
    const cause = new Error('root');
    const error = new ToolError('broken', 'the tool broke', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'ToolError', message: 'the tool broke', code: 'broken' });
    expect(error.cause).toBe(cause);
    expect(String(error)).toBe('ToolError: the tool broke');
  });

  it("recognises the class's instances, also from another copy of the class, and nothing else", () => {
    // What a second install of the same package declares: another class object, the same brand key.
    const OtherCopy = brandedError('ToolError', 'hud.test-tool-error');
    const Unrelated = brandedError('OtherError', 'hud.test-other-error');
    expect(ToolError.isInstance(new ToolError('x', 'y'))).toBe(true);
    expect(ToolError.isInstance(new OtherCopy('y'))).toBe(true);
    expect(ToolError.isInstance(new Unrelated('y'))).toBe(false);
    expect(ToolError.isInstance(new Error('y'))).toBe(false);
    for (const value of [null, undefined, 'ToolError', { name: 'ToolError' }]) {
      expect(ToolError.isInstance(value)).toBe(false);
    }
  });
});

describe('codedError', () => {
  it('takes the code first, then the message and cause, and recognises its instances', () => {
    class StepError extends codedError<'late' | 'lost'>('StepError', 'hud.test-step-error') {}
    const cause = new Error('root');
    const error = new StepError('late', 'the step was late', { cause });
    expect(error).toMatchObject({ name: 'StepError', code: 'late', message: 'the step was late' });
    expect(error.cause).toBe(cause);
    expect(StepError.isInstance(error)).toBe(true);
    expect(StepError.isInstance(new ToolError('late', 'x'))).toBe(false);
  });
});
