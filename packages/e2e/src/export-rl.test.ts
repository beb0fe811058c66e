import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type RlExportLine, RlExportLineSchema } from '@hud/eval';
import { validateAtif } from '@hud/harbor/results';
import { type FakeTurn, startFakeTrainer } from '@hud/testing';
import { TrainingClient } from '@hud/train';
import { beforeAll, describe, expect, it } from 'vitest';
import { LETTER_COUNT, readRunLines } from './support/eval-harness.js';
import {
  cleanEnv,
  cleanUpModelRuns,
  evalModel,
  fakeModel,
  modelScratch,
} from './support/model-agents.js';
import { letterCountOf } from './support/model-scripts.js';
import { type HudRun, runHud } from './support/run-hud.js';

// `hud eval examples/letter-count openai_compatible --group 4` against a fake vLLM that answers right every
// other time per task (so every group has reward spread) and returns token ids, then the job exported:
// `hud jobs export --format rl` (advantages summing to 0 per group, token samples) and `--format atif`,
// `hud trace --format atif` (validated by @hud/harbor's ATIF schema), `hud jobs <id>` (the group line).

// biome-ignore lint/suspicious/noExplicitAny: Chat Completions request bodies are arbitrary JSON
type ChatBody = any;

function promptOf(body: ChatBody): string {
  const first = (body?.messages ?? []).find((message: ChatBody) => message.role === 'user');
  const content = first?.content;
  return typeof content === 'string'
    ? content
    : (content ?? []).map((part: ChatBody) => part.text ?? '').join('');
}

const hud = (args: string[]): Promise<HudRun> =>
  runHud(args, { cwd: modelScratch('export-cwd'), timeoutMs: 60_000, env: cleanEnv() });

const parseLines = (text: string): unknown[] =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));

cleanUpModelRuns();

let store = '';
let jobId = '';
let summary: HudRun;

beforeAll(async () => {
  const asked = new Map<string, number>();
  const fake = await fakeModel((body): FakeTurn => {
    const prompt = promptOf(body);
    const seen = asked.get(prompt) ?? 0;
    asked.set(prompt, seen + 1);
    const right = letterCountOf(prompt)?.answer ?? '0';
    // Right on the 1st and 3rd call of each task, wrong on the 2nd and 4th: two 1.0s and two 0.0s a group.
    return { text: seen % 2 === 0 ? right : `${Number(right) + 1}` };
  });
  const result = await evalModel(
    'openai_compatible',
    LETTER_COUNT,
    ['--all', '--group', '4', '--model', 'Qwen/Qwen3-8B', '-c', 'return_token_ids=true'],
    {
      env: { OPENAI_COMPATIBLE_BASE_URL: `${fake.url}/v1`, OPENAI_COMPATIBLE_API_KEY: 'test' },
    },
  );
  expect(result.run.code, `${result.run.stdout}\n${result.run.stderr}`).toBe(0);
  ({ store, jobId, run: summary } = result);
}, 180_000);

describe('training data from a --group 4 job', () => {
  it('shows the group spread at the end of hud eval and in hud jobs <id>', async () => {
    expect(summary.stdout).toContain(
      `groups: 3 of 3 with reward spread; advantages: hud jobs export ${jobId} --format rl`,
    );
    const shown = await hud(['jobs', jobId, '--store', store]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/advantage/);
    expect(shown.stdout).toMatch(/\+0\.500/);
    expect(shown.stdout).toContain('groups: 3 of 3 with reward spread');
  });

  it('exports one valid line per run whose advantages sum to 0 per group, with token samples', async () => {
    const exported = await hud(['jobs', 'export', jobId, '--format', 'rl', '--store', store]);
    expect(exported.code, exported.stderr).toBe(0);
    const lines = parseLines(exported.stdout).map((line) => RlExportLineSchema.parse(line));
    expect(lines).toHaveLength(12);
    const byGroup = new Map<string, RlExportLine[]>();
    for (const line of lines)
      byGroup.set(line.group_id, [...(byGroup.get(line.group_id) ?? []), line]);
    expect(byGroup.size).toBe(3);
    for (const group of byGroup.values()) {
      expect(group).toHaveLength(4);
      const sum = group.reduce((total, line) => total + (line.advantage ?? Number.NaN), 0);
      expect(Math.abs(sum)).toBeLessThan(1e-9);
      expect(group.map((line) => line.advantage).sort()).toEqual([-0.5, -0.5, 0.5, 0.5]);
    }
    const [first] = lines as [RlExportLine];
    expect(first.prompt[0]?.content).toMatch(/How many 'r's are in/);
    expect(first.completion).toEqual([{ role: 'assistant', content: expect.any(String) }]);
    expect(first.samples?.[0]?.output_token_ids?.length).toBeGreaterThan(0);
    expect(first.samples?.[0]?.output_logprobs).toHaveLength(
      first.samples?.[0]?.output_token_ids?.length ?? -1,
    );
    const runs = readRunLines(store, jobId);
    expect(new Set(lines.map((line) => line.trace_id))).toEqual(
      new Set(runs.map((run) => run.trace_id)),
    );
  });

  it('feeds the exported lines to TrainingClient: inline token samples, whole groups, one step', async () => {
    const exported = await hud(['jobs', 'export', jobId, '--format', 'rl', '--store', store]);
    const lines = parseLines(exported.stdout).map((line) => RlExportLineSchema.parse(line));
    await using trainer = await startFakeTrainer();
    const warnings: string[] = [];
    const client = new TrainingClient({
      model: '3f2a9c1e-7b4d-4e0f-9a8b-7c6d5e4f3a2b',
      apiKey: 'k',
      baseUrl: trainer.url,
      onWarning: (message) => warnings.push(message),
    });
    const step = await client.step(lines, { groupSize: 4, learningRate: 1e-5 });
    expect(step.checkpoint_id).toBe('ckpt-1');
    expect(warnings).toEqual([]);
    const sent = trainer.requests[0]?.body as { inputs: { samples: unknown[]; reward: number }[] };
    expect(sent.inputs).toHaveLength(12);
    expect(sent.inputs.every((input) => input.samples.length === 1)).toBe(true);
    expect(sent.inputs.map((input) => input.reward).filter((reward) => reward === 1)).toHaveLength(
      6,
    );
  });

  it('divides by the group std with --normalize-std, written to --out', async () => {
    const out = path.join(modelScratch('export-out'), 'rl.jsonl');
    const exported = await hud([
      'jobs',
      'export',
      jobId.slice(0, 8),
      '--format',
      'rl',
      '--store',
      store,
      '--normalize-std',
      '--out',
      out,
    ]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toContain(`wrote 12 lines (rl) to ${out}`);
    const lines = parseLines(readFileSync(out, 'utf8')).map((line) =>
      RlExportLineSchema.parse(line),
    );
    for (const line of lines) expect(Math.abs(line.advantage ?? 0)).toBeCloseTo(1, 5);
  });

  it('exports every run as an ATIF trajectory that validates, and hud trace --format atif one run', async () => {
    const exported = await hud(['jobs', 'export', jobId, '--format', 'atif', '--store', store]);
    expect(exported.code, exported.stderr).toBe(0);
    const trajectories = parseLines(exported.stdout);
    expect(trajectories).toHaveLength(12);
    for (const trajectory of trajectories) expect(validateAtif(trajectory)).toEqual({ ok: true });

    const traceId = readRunLines(store, jobId)[0]?.trace_id as string;
    const one = await hud(['trace', traceId, '--format', 'atif', '--store', store]);
    expect(one.code, one.stderr).toBe(0);
    const trajectory = JSON.parse(one.stdout);
    expect(validateAtif(trajectory)).toEqual({ ok: true });
    expect(trajectory).toMatchObject({
      schema_version: 'ATIF-v1.7',
      session_id: traceId,
      agent: { name: 'openai_compatible', model_name: 'Qwen/Qwen3-8B' },
    });
    expect(trajectory.steps.map((step: { source: string }) => step.source)).toEqual([
      'user',
      'agent',
    ]);
    // The token ids the agent captured reach the ATIF step metrics.
    expect(trajectory.steps[1].metrics.completion_token_ids.length).toBeGreaterThan(0);
    expect(trajectory.steps[1].metrics.logprobs).toHaveLength(
      trajectory.steps[1].metrics.completion_token_ids.length,
    );
  });

  it('names a bad format and an unknown job', async () => {
    const bad = await hud(['jobs', 'export', jobId, '--format', 'csv', '--store', store]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("--format must be one of rl, atif, got 'csv'");
    const missing = await hud(['jobs', 'export', 'ffffffff', '--format', 'rl', '--store', store]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain(`no job 'ffffffff' in ${store}`);
  });
});
