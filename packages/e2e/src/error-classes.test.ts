import { AgentError } from '@hud/agents';
import { HudEvalError } from '@hud/eval';
import { GraderError } from '@hud/graders';
import { HarborLoadError, HarborRunError } from '@hud/harbor';
import { HudError } from '@hud/protocol';
import { LocalRuntimeError } from '@hud/runtimes-local';
import { describe, expect, it } from 'vitest';

// Every coded error class of hud-ts, each built on @hud/protocol's `codedError`: the name, code, message,
// cause and cross-copy brand that callers, logs and `isInstance` checks rely on.
describe('coded error classes', () => {
  it.each([
    ['HudError', HudError, 'hud.error', 'timeout'],
    ['HudEvalError', HudEvalError, 'hud.eval-error', 'load_failed'],
    ['LocalRuntimeError', LocalRuntimeError, 'hud.runtime-error', 'not_ready'],
    ['AgentError', AgentError, 'hud.agent-error', 'missing_key'],
    ['GraderError', GraderError, 'hud.grader-error', 'spawn_failed'],
    ['HarborLoadError', HarborLoadError, 'hud.harbor-load-error', 'harbor.invalid.toml'],
    ['HarborRunError', HarborRunError, 'hud.harbor-run-error', 'exec_failed'],
  ] as const)(
    '%s keeps its name, code, message, cause and brand',
    (name, ErrorClass, brand, code) => {
      const cause = new Error('inner');
      const error = new ErrorClass(code as never, 'what failed', { cause });
      expect(error).toBeInstanceOf(Error);
      expect(error).toBeInstanceOf(ErrorClass);
      expect(error).toMatchObject({ name, code, message: 'what failed' });
      expect(error.cause).toBe(cause);
      expect(String(error)).toBe(`${name}: what failed`);
      expect(Object.hasOwn(new ErrorClass(code as never, 'no cause'), 'cause')).toBe(false);
      expect(ErrorClass.isInstance(error)).toBe(true);
      // Made by another install of the package: `instanceof` fails, the brand still tells.
      expect(ErrorClass.isInstance({ [Symbol.for(brand)]: true })).toBe(true);
      expect(ErrorClass.isInstance(new Error('plain'))).toBe(false);
      expect(ErrorClass.isInstance(null)).toBe(false);
    },
  );
});
