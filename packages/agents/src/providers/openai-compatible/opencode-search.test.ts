import { describe, expect, it } from 'vitest';
import { expandBraces } from './opencode-search.js';

// The OpenCode tools over a served workspace are tested in packages/e2e/src/agents-tools/opencode-tools.test.ts.

describe('glob', () => {
  it('expands braces like ripgrep globs', () => {
    expect(expandBraces('a.{js,ts}')).toEqual(['a.js', 'a.ts']);
    expect(expandBraces('{x,y}/{1,2}')).toEqual(['x/1', 'x/2', 'y/1', 'y/2']);
    expect(expandBraces('plain')).toEqual(['plain']);
  });
});
