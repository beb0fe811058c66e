import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { parsePairs } from '../eval/flag-values.js';
import { parseSecrets } from './deploy-action.js';

it('parses --secret id=X,env=Y and id=X,src=path, naming what is wrong', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'hud-secret-'));
  try {
    writeFileSync(path.join(dir, 'token.txt'), 'from-file');
    expect(
      parseSecrets(['id=tok,env=TOK', 'id=file,src=token.txt'], { TOK: 'from-env' }, dir),
    ).toEqual({ tok: 'from-env', file: 'from-file' });
    expect(() => parseSecrets(['id=tok,env=MISSING'], {}, dir)).toThrow(
      '--secret tok: environment variable MISSING is not set',
    );
    expect(() => parseSecrets(['id=x,src=nope.txt'], {}, dir)).toThrow(/--secret x: cannot read/);
    expect(() => parseSecrets(['env=TOK'], { TOK: 'v' }, dir)).toThrow(/takes id=X,env=VAR/);
    expect(() => parseSecrets(['id=a,env=A,src=b'], { A: 'v' }, dir)).toThrow(/takes id=X/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('parses K=V pairs and refuses a pair without =', () => {
  expect(parsePairs(['A=1', 'B=x=y'], '--env')).toEqual({ A: '1', B: 'x=y' });
  expect(() => parsePairs(['A'], '--build-arg')).toThrow("--build-arg takes KEY=VALUE, got 'A'");
});
