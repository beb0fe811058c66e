import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FAILURE_CATEGORIES } from '@hud/protocol';
import { tempDirEachTest } from '@hud/testing';
import { describe, expect, it } from 'vitest';
import { readWorkflowFile, resolveWorkflow } from './workflow-file.js';

const temp = tempDirEachTest('hud-qa-workflow-');

describe('QA workflows', () => {
  it('resolves the four standard workflows; failure analysis has the ten documented categories', async () => {
    for (const id of ['false-negative', 'false-positive', 'failure-analysis', 'reward-hacking']) {
      expect((await resolveWorkflow(id)).id).toBe(id);
    }
    expect((await resolveWorkflow('failure-analysis')).categories).toBe(FAILURE_CATEGORIES);
    expect(FAILURE_CATEGORIES.map((category) => category.id)).toEqual([
      'misread-task',
      'tool-misuse',
      'environment-error',
      'timeout',
      'gave-up',
      'wrong-answer-format',
      'incomplete-solution',
      'hallucinated-result',
      'grader-mismatch',
      'other',
    ]);
    await expect(resolveWorkflow('false-positives')).rejects.toThrow(
      /unknown QA workflow 'false-positives'/,
    );
  });

  it('reads a custom TOML workflow (id from the file name) and a JSON one', async () => {
    const toml = path.join(temp.path, 'Grounded.toml');
    await writeFile(
      toml,
      'name = "Grounded"\nrubric = "Flag unsupported claims."\ncategories = ["unsupported-claim", { id = "other", description = "else" }]\n',
    );
    expect(await readWorkflowFile(toml)).toEqual({
      id: 'grounded',
      name: 'Grounded',
      description: '',
      rubric: 'Flag unsupported claims.',
      categories: [
        { id: 'unsupported-claim', description: '' },
        { id: 'other', description: 'else' },
      ],
      builtIn: false,
    });
    const json = path.join(temp.path, 'x.json');
    await writeFile(json, JSON.stringify({ id: 'tone', name: 'Tone', rubric: 'Flag rudeness.' }));
    expect((await resolveWorkflow(json)).id).toBe('tone');
  });

  it('names the file and the field of a bad workflow', async () => {
    const bad = path.join(temp.path, 'bad.toml');
    await writeFile(bad, 'name = "Bad"\nrubric = "r"\ncategories = ["Not Kebab"]\n');
    await expect(readWorkflowFile(bad)).rejects.toThrow(/bad\.toml: categories\.0.*kebab-case/);
    const broken = path.join(temp.path, 'broken.json');
    await writeFile(broken, '{"name": ');
    await expect(readWorkflowFile(broken)).rejects.toThrow(/broken\.json: not valid JSON/);
    const missing = path.join(temp.path, 'none.toml');
    await writeFile(missing, 'name = "No rubric"\n');
    await expect(readWorkflowFile(missing)).rejects.toThrow(/none\.toml: rubric/);
  });
});
