import { describe, expect, it } from 'vitest';
import { EVAL_SEMI_SPACE_MB, relaunchFlags, runtimeV8Flags } from './launcher.js';

const argv = (...args: string[]) => ['/usr/bin/node', '/x/bin/hud.js', ...args];

describe('relaunchFlags', () => {
  it('caps the young generation of hud eval only', () => {
    expect(relaunchFlags(argv('eval', 'tasks.ts', 'oracle'), [], undefined)).toEqual([
      `--max-semi-space-size=${EVAL_SEMI_SPACE_MB}`,
    ]);
    expect(relaunchFlags(argv('eval'), [], '')).toEqual([`--max-semi-space-size=8`]);
    for (const other of [argv(), argv('--help'), argv('serve', 'env.ts'), argv('task', 'eval')]) {
      expect(relaunchFlags(other, [], undefined)).toBeUndefined();
    }
  });

  it('leaves the help of eval alone', () => {
    expect(relaunchFlags(argv('eval', '--help'), [], undefined)).toBeUndefined();
    expect(relaunchFlags(argv('eval', 'x', '-h'), [], undefined)).toBeUndefined();
  });

  it("keeps the user's own semi-space size, from the command line or NODE_OPTIONS", () => {
    const args = argv('eval', 'tasks.ts');
    expect(relaunchFlags(args, ['--max-semi-space-size=32'], undefined)).toBeUndefined();
    expect(relaunchFlags(args, ['--max_semi_space_size=2'], undefined)).toBeUndefined();
    expect(relaunchFlags(args, [], '--inspect --max-semi-space-size=16')).toBeUndefined();
    // Other flags are kept by the relaunch (it passes execArgv on), and do not stop it.
    expect(relaunchFlags(args, ['--import', 'x.mjs'], '--max-old-space-size=512')).toEqual([
      '--max-semi-space-size=8',
    ]);
  });
});

describe('runtimeV8Flags', () => {
  it('lowers the heap growing factor of hud eval on a V8 it was checked against', () => {
    expect(runtimeV8Flags(argv('eval', 't.ts'), [], '13.6.233.17-node.44')).toEqual([
      '--heap-growing-percent=50',
    ]);
    expect(runtimeV8Flags(argv('eval'), [], '12.4.254.21-node.33')).toEqual([
      '--heap-growing-percent=50',
    ]);
  });

  it('sets nothing for other commands, the help, a V8 it does not know, or a user flag', () => {
    expect(runtimeV8Flags(argv('serve'), [], '13.6.233.17')).toEqual([]);
    expect(runtimeV8Flags(argv('eval', '--help'), [], '13.6.233.17')).toEqual([]);
    expect(runtimeV8Flags(argv('eval'), [], '99.0.1')).toEqual([]);
    expect(runtimeV8Flags(argv('eval'), ['--heap-growing-percent=20'], '13.6.1')).toEqual([]);
  });
});
