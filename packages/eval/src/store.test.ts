import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempDirEachTest } from '@hud/testing';
import { describe, expect, it } from 'vitest';
import { JsonlAppender, parseJsonl } from './jsonl.js';
import { JobStore } from './store.js';

const scratch = tempDirEachTest('hud-eval-store-');

describe('JSONL files', () => {
  it('skips a torn last line but reports a corrupt line in the middle', () => {
    expect(parseJsonl('{"a":1}\n{"a":2}\n{"a":', 'f.jsonl')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(parseJsonl('{"a":1}\n\n', 'f.jsonl')).toEqual([{ a: 1 }]);
    expect(() => parseJsonl('{"a":1}\n{"a"\n{"a":3}\n', 'f.jsonl')).toThrow(
      'f.jsonl line 2: not valid JSON',
    );
  });

  it('cuts a torn tail before appending, so new lines never glue onto it', async () => {
    const file = path.join(scratch.path, 'x.jsonl');
    await writeFile(file, '{"a":1}\n{"a":');
    const appender = await JsonlAppender.open(file);
    await appender.append({ a: 2 }, { sync: true });
    await appender.close();
    expect(await readFile(file, 'utf8')).toBe('{"a":1}\n{"a":2}\n');
  });
});

describe('JobStore', () => {
  it('names what is missing', async () => {
    const store = new JobStore(scratch.path);
    await expect(store.openJob('0123abcd')).rejects.toThrow(`no job '0123abcd' in ${scratch.path}`);
    await expect(store.readTrace('feed')).rejects.toThrow(`no trace 'feed' in ${scratch.path}`);
    expect(() => store.jobDirectory('../etc')).toThrow("not a job id: '../etc'");
    expect(await new JobStore(path.join(scratch.path, 'nothing')).listJobs()).toEqual([]);
  });
});
