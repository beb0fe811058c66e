import { type JobMeta, Taskset } from '@hud/eval';
import { describe, expect, it } from 'vitest';
import type { EvalConfigFile } from './config-file.js';
import {
  buildEvalPlan,
  type EvalFlags,
  type PlanInputs,
  prewarmCount,
  selectTasks,
} from './plan.js';

const AGENTS = ['oracle', 'nop', 'claude', 'openai'];

function plan(overrides: Partial<Omit<PlanInputs, 'flags'>> & { flags?: Partial<EvalFlags> } = {}) {
  return buildEvalPlan({
    source: 'tasks.ts',
    agent: undefined,
    agents: AGENTS,
    exists: () => false,
    ...overrides,
    flags: { config: [], store: '.hud/jobs', ...overrides.flags },
  });
}

const configFile = (file: Partial<EvalConfigFile>): EvalConfigFile => ({
  file: '/project/.hud_eval.toml',
  defaults: {},
  agents: {},
  ...file,
});

function job(overrides: Partial<JobMeta> = {}): JobMeta {
  return {
    id: 'a'.repeat(32),
    name: 'letters',
    group: 3,
    created_at: '2025-01-01T00:00:00Z',
    updated_at: '2025-01-01T00:00:00Z',
    status: 'cancelled',
    source: '/project/tasks.ts',
    agent: { name: 'claude', model: 'claude-x' },
    max_steps: 7,
    settings: { runtime: 'docker' },
    taskset: { name: 'letters', count: 2, taskset_id: null, file: 'tasks.jsonl' },
    totals: null,
    ...overrides,
  };
}

describe('buildEvalPlan', () => {
  it('fills in the defaults of hud-python: oracle, local, the first task, group 1, 30 lanes, 10 steps', () => {
    expect(plan()).toEqual({
      source: 'tasks.ts',
      resume: undefined,
      tasks: { kind: 'first' },
      agent: { name: 'oracle', model: undefined, config: {} },
      runtime: 'local',
      remote: false,
      group: 1,
      maxConcurrent: 30,
      maxSteps: 10,
      verbose: 0,
      rolloutTimeoutMs: undefined,
      agentTimeoutMs: undefined,
      readyTimeoutMs: undefined,
      budget: undefined,
      store: '.hud/jobs',
      json: false,
      reap: true,
    });
  });

  it('reads every flag: seconds become ms, --full is every task with 100 steps, --no-reap', () => {
    const planned = plan({
      agent: 'claude',
      flags: {
        full: true,
        group: '4',
        maxConcurrent: '2',
        model: 'claude-y',
        config: ['temperature=0.5', 'claude.thinking=true'],
        maxCost: '$2.50',
        maxTokens: '1000',
        runtime: 'docker:img:1',
        timeout: '90',
        agentTimeout: '30',
        readyTimeout: '1.5',
        json: true,
        verbose: 2,
        reap: false,
        store: 'elsewhere',
      },
    });
    expect(planned).toMatchObject({
      tasks: { kind: 'all' },
      agent: { name: 'claude', model: 'claude-y', config: { temperature: 0.5, thinking: true } },
      runtime: 'docker:img:1',
      group: 4,
      maxConcurrent: 2,
      maxSteps: 100,
      verbose: 2,
      rolloutTimeoutMs: 90_000,
      agentTimeoutMs: 30_000,
      readyTimeoutMs: 1_500,
      budget: { maxCostUsd: 2.5, maxTokens: 1000 },
      store: 'elsewhere',
      json: true,
      reap: false,
    });
    expect(plan({ flags: { taskIds: ' b, 0 ,,c' } }).tasks).toEqual({
      kind: 'ids',
      ids: ['b', '0', 'c'],
    });
  });

  it('takes .hud_eval.toml defaults and agent sections below the command line', () => {
    const file = configFile({
      defaults: {
        source: 'from-file.ts',
        agent: 'claude',
        runtime: 'inprocess',
        group: 2,
        maxConcurrent: 5,
        maxSteps: 20,
        verbose: 1,
        autoRespond: true,
        taskIds: ['x'],
      },
      agents: { claude: { model: 'claude-file', temperature: 0.1 } },
    });
    expect(plan({ source: undefined, configFile: file })).toMatchObject({
      source: 'from-file.ts',
      tasks: { kind: 'ids', ids: ['x'] },
      agent: {
        name: 'claude',
        model: 'claude-file',
        config: { temperature: 0.1, auto_respond: true },
      },
      runtime: 'inprocess',
      group: 2,
      maxConcurrent: 5,
      maxSteps: 20,
      verbose: 1,
    });
    expect(
      plan({
        configFile: file,
        flags: { group: '3', runtime: 'local', model: 'claude-flag', config: ['temperature=1'] },
      }),
    ).toMatchObject({
      source: 'tasks.ts',
      agent: { model: 'claude-flag', config: { temperature: 1, auto_respond: true } },
      runtime: 'local',
      group: 3,
    });
    expect(plan({ configFile: configFile({ defaults: { all: true } }) }).tasks).toEqual({
      kind: 'all',
    });
  });

  it('takes remote = true from .hud_eval.toml unless the command line names a runtime', () => {
    const file = configFile({ defaults: { remote: true } });
    expect(plan({ configFile: file }).remote).toBe(true);
    expect(plan({ configFile: file, flags: { runtime: 'docker' } })).toMatchObject({
      remote: false,
      runtime: 'docker',
    });
    expect(plan({ configFile: configFile({}) }).remote).toBe(false);
    expect(() => plan({ configFile: file, flags: { watch: true, maxCost: '2' } })).toThrow(
      "/project/.hud_eval.toml: [eval] remote = true runs the job on the platform's workers, where --watch, --max-cost cannot apply",
    );
  });

  it("resumes with the job's source, agent, model, group, steps and runtime; the config file's defaults do not apply", () => {
    const file = configFile({
      defaults: { agent: 'nop', group: 9, maxSteps: 99, runtime: 'local' },
    });
    expect(
      plan({
        source: undefined,
        configFile: file,
        resumed: job(),
        flags: { resume: 'a'.repeat(32) },
      }),
    ).toMatchObject({
      source: '/project/tasks.ts',
      resume: 'a'.repeat(32),
      tasks: { kind: 'resumed' },
      agent: { name: 'claude', model: 'claude-x' },
      runtime: 'docker',
      group: 3,
      maxSteps: 7,
    });
  });

  it('reads `hud eval nop --resume <id>` as the agent when no such file exists', () => {
    const resumed = job({ agent: { name: 'nop', model: null } });
    const flags = { resume: resumed.id };
    expect(plan({ source: 'nop', resumed, flags }).agent.name).toBe('nop');
    expect(plan({ source: 'nop', resumed, flags }).source).toBe('/project/tasks.ts');
    // A file named like an agent stays the source (and differs from the job's: refused).
    expect(() => plan({ source: 'nop', resumed, flags, exists: () => true })).toThrow(
      /was run with source .*; this command says .*nop — drop the source/,
    );
  });

  it('refuses a resume naming another agent than the job', () => {
    expect(() =>
      plan({ source: undefined, agent: 'oracle', resumed: job(), flags: { resume: job().id } }),
    ).toThrow(`job ${job().id} was run with agent 'claude'; this command says 'oracle'`);
  });

  it('refuses a command without a source, naming how to give one', () => {
    expect(() => plan({ source: undefined })).toThrow(
      'give a task source: hud eval <tasks.ts|dir|.json|.jsonl> [agent]',
    );
    expect(() =>
      plan({ source: undefined, resumed: job({ source: null }), flags: { resume: job().id } }),
    ).toThrow('the job does not record its source: pass it, e.g. hud eval tasks.ts --resume <id>');
  });

  it('names the flag of a malformed value', () => {
    expect(() => plan({ flags: { group: '0' } })).toThrow(
      "--group must be a whole number ≥ 1, got '0'",
    );
    expect(() => plan({ flags: { maxCost: 'lots' } })).toThrow(
      "--max-cost must be a positive number of dollars, got 'lots'",
    );
    expect(() => plan({ flags: { maxTokens: '1.5' } })).toThrow(
      '--max-tokens must be a whole number',
    );
    expect(() => plan({ flags: { agentTimeout: '-1' } })).toThrow(
      "--agent-timeout must be a positive number of seconds, got '-1'",
    );
    expect(() => plan({ flags: { config: ['novalue'] } })).toThrow(
      "-c expects key=value, got 'novalue'",
    );
  });
});

describe('selectTasks', () => {
  const rows = ['a', 'b', 'c'].map((slug) => ({ env: 'e', id: 't', args: {}, slug }));
  const taskset = new Taskset('three', rows);

  it('runs the first task only by default, saying so', () => {
    const notes: string[] = [];
    expect(selectTasks(taskset, { kind: 'first' }, (line) => notes.push(line)).slugs).toEqual([
      'a',
    ]);
    expect(notes).toEqual([
      'running only the first of 3 tasks (a); pass --all for every task or --task-ids to pick',
    ]);
  });

  it('runs all, the resumed rows, or the ids picked', () => {
    const quiet = () => expect.unreachable('no note');
    expect(selectTasks(taskset, { kind: 'all' }, quiet).slugs).toEqual(['a', 'b', 'c']);
    expect(selectTasks(taskset, { kind: 'resumed' }, quiet).slugs).toEqual(['a', 'b', 'c']);
    expect(selectTasks(taskset, { kind: 'ids', ids: ['c', '0'] }, quiet).slugs).toEqual(['a', 'c']);
    expect(selectTasks(taskset.select([1]), { kind: 'first' }, quiet).slugs).toEqual(['b']);
  });
});

describe('prewarmCount', () => {
  it('starts enough environments for the first wave, at least 1 and at most 8', () => {
    expect(prewarmCount({ maxConcurrent: 30, group: 1 }, 3)).toBe(3);
    expect(prewarmCount({ maxConcurrent: 2, group: 4 }, 3)).toBe(2);
    expect(prewarmCount({ maxConcurrent: 30, group: 5 }, 10)).toBe(8);
    expect(prewarmCount({ maxConcurrent: 30, group: 1 }, 0)).toBe(1);
  });
});
