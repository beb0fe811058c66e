import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rejectedError, thrownError } from '@hud/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HarborLoadError } from './errors.js';
import { harborTaskRow, isHarborSource, loadHarborSource, readHarborTask } from './load.js';
import { parseTaskToml } from './parse-task-toml.js';

const WHERE = '/tasks/demo/task.toml';
// biome-ignore lint/suspicious/noTemplateCurlyInString: Harbor's `${VAR:-default}` syntax, kept verbatim.
const HOST_TEMPLATE = '${TOKEN:-none}';

function parsed(text: string) {
  return parseTaskToml(text, WHERE);
}

const loadError = (run: () => unknown) => thrownError(HarborLoadError, run);
const rejection = (promise: Promise<unknown>) => rejectedError(HarborLoadError, promise);

describe('parseTaskToml', () => {
  it('applies the Harbor v0.22 defaults to an empty file', () => {
    const { config, findings } = parsed('');
    expect(findings).toEqual([]);
    expect(config).toEqual({
      schemaVersion: '1.4',
      name: null,
      description: '',
      keywords: [],
      metadata: {},
      source: null,
      artifacts: [],
      multiStepRewardStrategy: 'mean',
      environment: {
        dockerImage: null,
        buildTimeoutSec: 600,
        os: 'linux',
        cpus: null,
        memoryMb: null,
        storageMb: null,
        gpus: null,
        networkMode: 'public',
        allowedHosts: [],
        env: {},
        workdir: null,
        healthcheck: null,
      },
      verifier: { timeoutSec: 600, env: {}, user: null, mode: 'shared', environment: null },
      agent: { timeoutSec: null, user: null },
      solutionEnv: {},
      steps: [],
    });
  });

  it('applies the healthcheck defaults', () => {
    const { config } = parsed('[environment.healthcheck]\ncommand = "test -f /ready"\n');
    expect(config.environment.healthcheck).toEqual({
      command: 'test -f /ready',
      intervalSec: 5,
      timeoutSec: 30,
      startPeriodSec: 0,
      startIntervalSec: 5,
      retries: 3,
    });
  });

  it.each([
    ['schema_version = "1.2"', '1.2'],
    ['version = "1.0"', '1.0'],
    ['schema_version = "1.3"\nversion = "1.0"', '1.3'],
    ['[task]\nname = "org/demo"\nversion = "2.0.0"', '1.4'],
  ])('reads the schema version from %j', (text, expected) => {
    expect(parsed(text).config.schemaVersion).toBe(expected);
  });

  it.each([
    ['allow_internet = false', { networkMode: 'no-network' }],
    ['allow_internet = true', { networkMode: 'public' }],
    ['allow_internet = false\nnetwork_mode = "public"', { networkMode: 'public' }],
    ['network_mode = "no-network"', { networkMode: 'no-network' }],
    [
      'allowed_hosts = ["packages.example.org"]',
      { networkMode: 'allowlist', allowedHosts: ['packages.example.org'] },
    ],
    ['memory = "2G"\nstorage = "10G"', { memoryMb: 2048, storageMb: 10240 }],
    ['memory = "512M"\nstorage = "1048576K"', { memoryMb: 512, storageMb: 1024 }],
    ['memory = "1.5g"', { memoryMb: 1536 }],
    ['memory = "4G"\nmemory_mb = 100', { memoryMb: 4096 }],
    ['memory_mb = 512\ncpus = 2\ngpus = 0', { memoryMb: 512, cpus: 2, gpus: 0 }],
  ])('maps [environment] %j', (body, expected) => {
    expect(parsed(`[environment]\n${body}\n`).config.environment).toMatchObject(expected);
  });

  it('makes the verifier separate from environment_mode or a [verifier.environment] table', () => {
    const byMode = parsed('[verifier]\nenvironment_mode = "separate"\n').config.verifier;
    expect(byMode.mode).toBe('separate');
    expect(byMode.environment).toMatchObject({ buildTimeoutSec: 600, networkMode: 'public' });

    const byTable = parsed('[verifier.environment]\nnetwork_mode = "no-network"\ncpus = 2\n').config
      .verifier;
    expect(byTable.mode).toBe('separate');
    expect(byTable.environment).toMatchObject({ networkMode: 'no-network', cpus: 2 });

    expect(parsed('[verifier]\nenvironment_mode = "shared"\n').config.verifier).toMatchObject({
      mode: 'shared',
      environment: null,
    });
  });

  it("resolves each step's verifier and agent keys from the step, else the task's tables, else the defaults", () => {
    const { config } = parsed(
      [
        '[agent]',
        'timeout_sec = 90.0',
        'user = "agent"',
        '[verifier]',
        'environment_mode = "separate"',
        'timeout_sec = 45.0',
        'user = "checker"',
        '[verifier.env]',
        'FROM_TASK = "1"',
        '[verifier.environment]',
        'cpus = 2',
        '[[steps]]',
        'name = "inherits"',
        '[[steps]]',
        'name = "overrides"',
        '[steps.agent]',
        'user = 1000',
        '[steps.verifier]',
        'timeout_sec = 5.0',
        'user = "root"',
        '[steps.verifier.env]',
        'FROM_STEP = "1"',
        '[steps.verifier.environment]',
        'memory_mb = 512',
        '[[steps]]',
        'name = "shared"',
        '[steps.verifier]',
        'environment_mode = "shared"',
      ].join('\n'),
    );
    const [inherits, overrides, shared] = config.steps;
    expect(inherits?.agent).toEqual({ timeoutSec: 90, user: 'agent' });
    expect(inherits?.verifier).toMatchObject({
      mode: 'separate',
      timeoutSec: 45,
      user: 'checker',
      env: { FROM_TASK: '1' },
      environment: { cpus: 2, memoryMb: null },
    });
    // A key the step sets wins; the step's env table replaces the task's; its own environment table
    // replaces the task's (and makes the step separate on its own).
    expect(overrides?.agent).toEqual({ timeoutSec: 90, user: '1000' });
    expect(overrides?.verifier).toMatchObject({
      mode: 'separate',
      timeoutSec: 5,
      user: 'root',
      env: { FROM_STEP: '1' },
      environment: { cpus: null, memoryMb: 512 },
    });
    expect(shared?.verifier).toMatchObject({ mode: 'shared', environment: null, timeoutSec: 45 });

    // A step with its own [steps.verifier.environment] is separate while the task's verifier is shared.
    const one = parsed(
      '[[steps]]\nname = "a"\n[[steps]]\nname = "b"\n[steps.verifier.environment]\ncpus = 1\n',
    ).config;
    expect(one.verifier.mode).toBe('shared');
    expect(one.steps.map((step) => step.verifier.mode)).toEqual(['shared', 'separate']);
  });

  it('ignores unknown keys and tables', () => {
    const { config, findings } = parsed(
      [
        'future_key = 1',
        '[environment]',
        'cpus = 1',
        'brand_new = "x"',
        '[verifier]',
        'timeout_sec = 30.0',
        'mystery = [1, 2]',
        '[some_future_table]',
        'a = true',
      ].join('\n'),
    );
    expect(findings).toEqual([]);
    expect(config.environment.cpus).toBe(1);
    expect(config.verifier.timeoutSec).toBe(30);
    expect(config).not.toHaveProperty('future_key');
  });

  it('accepts the empty env tables real tasks carry', () => {
    const { config } = parsed('[verifier.env]\n\n[environment.env]\n\n[solution.env]\n');
    expect(config.verifier.env).toEqual({});
    expect(config.environment.env).toEqual({});
    expect(config.solutionEnv).toEqual({});
  });

  it('reads [task], [metadata], users, env tables and artifacts', () => {
    const { config } = parsed(
      [
        'source = "terminal-bench"',
        'artifacts = ["/app/out.txt", { source = "/logs/x", destination = "/in/x", exclude = ["*.tmp"] }]',
        '[task]',
        'name = "org/demo"',
        'description = "A demo."',
        'keywords = ["a", "b"]',
        '[metadata]',
        'difficulty = "hard"',
        'expert_time_estimate_min = 15',
        '[agent]',
        'timeout_sec = 120.5',
        'user = 1000',
        '[verifier]',
        'user = "tester"',
        '[verifier.env]',
        'MODE = "strict"',
        '[solution.env]',
        `TOKEN = "${HOST_TEMPLATE}"`,
      ].join('\n'),
    );
    expect(config).toMatchObject({
      source: 'terminal-bench',
      name: 'org/demo',
      description: 'A demo.',
      keywords: ['a', 'b'],
      metadata: { difficulty: 'hard', expert_time_estimate_min: 15 },
      agent: { timeoutSec: 120.5, user: '1000' },
      verifier: { user: 'tester', env: { MODE: 'strict' } },
      solutionEnv: { TOKEN: HOST_TEMPLATE },
      artifacts: [
        { source: '/app/out.txt', destination: null, exclude: [] },
        { source: '/logs/x', destination: '/in/x', exclude: ['*.tmp'] },
      ],
    });
  });

  it('reads [[steps]] with their agent, verifier, min_reward, healthcheck and artifacts', () => {
    const { config } = parsed(
      [
        'multi_step_reward_strategy = "final"',
        '[[steps]]',
        'name = "one"',
        'min_reward = 1.0',
        'artifacts = ["/app/one.txt"]',
        '[steps.agent]',
        'timeout_sec = 30.0',
        '[steps.verifier]',
        'timeout_sec = 20.0',
        '[steps.healthcheck]',
        'command = "true"',
        'retries = 1',
        '[[steps]]',
        'name = "two"',
      ].join('\n'),
    );
    expect(config.multiStepRewardStrategy).toBe('final');
    expect(config.steps).toEqual([
      {
        name: 'one',
        agent: { timeoutSec: 30, user: null },
        verifier: { timeoutSec: 20, env: {}, user: null, mode: 'shared', environment: null },
        minReward: 1,
        healthcheck: {
          command: 'true',
          intervalSec: 5,
          timeoutSec: 30,
          startPeriodSec: 0,
          startIntervalSec: 5,
          retries: 1,
        },
        artifacts: [{ source: '/app/one.txt', destination: null, exclude: [] }],
      },
      {
        name: 'two',
        agent: { timeoutSec: null, user: null },
        verifier: { timeoutSec: 600, env: {}, user: null, mode: 'shared', environment: null },
        minReward: null,
        healthcheck: null,
        artifacts: [],
      },
    ]);
  });

  it.each([
    [
      'stdio MCP server',
      '[[environment.mcp_servers]]\nname = "fs"\ntransport = "stdio"\ncommand = "mcp-fs"',
      ['harbor.unsupported.mcp_stdio'],
    ],
    [
      'remote MCP server',
      '[[environment.mcp_servers]]\nname = "search"\nurl = "http://search:8000/sse"',
      ['harbor.unsupported.mcp_servers'],
    ],
    ['skills_dir', '[environment]\nskills_dir = "/skills"', ['harbor.unsupported.skills_dir']],
    ['Windows', '[environment]\nos = "windows"', ['harbor.unsupported.os_windows']],
    [
      'environment allowlist',
      '[environment]\nnetwork_mode = "allowlist"\nallowed_hosts = ["packages.example.org"]',
      ['harbor.unsupported.network_allowlist'],
    ],
    [
      'allowed_hosts alone',
      '[environment]\nallowed_hosts = ["packages.example.org"]',
      ['harbor.unsupported.network_allowlist'],
    ],
    [
      'verifier allowlist',
      '[verifier]\nallowed_hosts = ["packages.example.org"]',
      ['harbor.unsupported.network_allowlist'],
    ],
    [
      'step agent allowlist',
      '[[steps]]\nname = "s"\n[steps.agent]\nnetwork_mode = "allowlist"',
      ['harbor.unsupported.network_allowlist'],
    ],
    [
      'agent network override',
      '[agent]\nnetwork_mode = "no-network"',
      ['harbor.unsupported.phase_network'],
    ],
    [
      'verifier network override',
      '[environment]\nnetwork_mode = "no-network"\n[verifier]\nnetwork_mode = "public"',
      ['harbor.unsupported.phase_network'],
    ],
    ['GPUs', '[environment]\ngpus = 1', ['harbor.unsupported.gpu']],
    ['GPU types', '[environment]\ngpu_types = ["H100"]', ['harbor.unsupported.gpu']],
    ['TPU', '[environment.tpu]\ntype = "v5e"\ntopology = "2x2"', ['harbor.unsupported.gpu']],
    ['verifier GPUs', '[verifier.environment]\ngpus = 2', ['harbor.unsupported.gpu']],
    [
      "a step verifier's GPUs",
      '[[steps]]\nname = "s"\n[steps.verifier.environment]\ngpus = 1',
      ['harbor.unsupported.gpu'],
    ],
    [
      'collect hooks',
      '[[verifier.collect]]\ncommand = "pg_dump > /logs/db.sql"\nservice = "db"',
      ['harbor.unsupported.verifier_collect'],
    ],
    [
      'artifact from a sidecar',
      'artifacts = [{ source = "/var/log/app.log", service = "api" }]',
      ['harbor.unsupported.artifact_service'],
    ],
    ['artifact from main', 'artifacts = [{ source = "/app/x", service = "main" }]', []],
    ['an override equal to the environment', '[agent]\nnetwork_mode = "public"', []],
    ['no GPUs', '[environment]\ngpus = 0\nmcp_servers = []', []],
  ])('reports %s', (_name, text, codes) => {
    const { findings } = parsed(text);
    expect(findings.map((finding) => finding.code)).toEqual(codes);
    for (const finding of findings) {
      expect(finding).toMatchObject({ kind: 'unsupported', task: '/tasks/demo' });
      expect(finding.message).toMatch(/hud-ts/);
    }
  });

  it('names the file, line and column of a TOML syntax error', () => {
    const error = loadError(() => parsed('[task]\nname = "org/x"\ndescription = \n'));
    expect(error).toBeInstanceOf(HarborLoadError);
    expect(error.code).toBe('harbor.invalid.toml');
    expect(error.message).toMatch(/^\/tasks\/demo\/task\.toml:3:\d+: invalid TOML: /);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it.each([
    [
      '[verifier]\ntimeout_sec = "600"',
      '[verifier].timeout_sec: expected number, got string "600"',
    ],
    ['[task]\ndescription = "x"', '[task].name: required (expected string)'],
    ['[environment]\nos = "macos"', '[environment].os: '],
    ['[environment]\nmemory = "2GB"', '[environment].memory: expected a size like "2G"'],
    ['[environment.env]\nPORT = 8080', '[environment.env].PORT: expected string, got number 8080'],
    ['[[steps]]\nname = "a"\n[steps.agent]\ntimeout_sec = "x"', '[steps[0].agent].timeout_sec: '],
    ['[[steps]]\nname = "../escape"', '[steps[0]].name: expected a directory name under steps/'],
    ['[[steps]]\nname = "a"\n[[steps]]\nname = "a"', '[steps[1]].name: duplicate step name "a"'],
    ['artifacts = [1]', 'artifacts[0]: expected a path or a table'],
    ['verifier = 5', 'verifier: expected object, got number 5'],
  ])('names the key of a wrong value in %j', (text, expected) => {
    const error = loadError(() => parsed(text));
    expect(error.code).toBe('harbor.invalid.task_config');
    expect(error.message).toContain(`${WHERE}: ${expected}`);
  });
});

/** Writes `files` (relative path → content) under `root/name` and returns the task directory. */
async function writeTree(
  root: string,
  name: string,
  files: Record<string, string>,
): Promise<string> {
  const dir = path.join(root, name);
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(dir, relative);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, content);
  }
  await mkdir(dir, { recursive: true });
  return dir;
}

const BASIC: Record<string, string> = {
  'task.toml': '[agent]\ntimeout_sec = 60.0\n',
  'instruction.md': 'Say hello.\n',
  'environment/Dockerfile': 'FROM ubuntu:24.04\n',
  'tests/test.sh': '#!/bin/sh\necho 1 > /logs/verifier/reward.txt\n',
};

describe('readHarborTask', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'hud-harbor-read-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads a single-step task', async () => {
    const dir = await writeTree(root, 'basic', BASIC);
    const { task, findings } = await readHarborTask(dir);
    expect(findings).toEqual([]);
    expect(task).toMatchObject({
      dir,
      slug: 'basic',
      instruction: 'Say hello.\n',
      stepInstructions: [],
    });
    expect(task.config.agent.timeoutSec).toBe(60);
  });

  it('reads each step instruction of a multi-step task', async () => {
    const dir = await writeTree(root, 'steps', {
      'task.toml': '[[steps]]\nname = "first"\n[[steps]]\nname = "second"\n',
      'steps/first/instruction.md': 'one',
      'steps/second/instruction.md': 'two',
      'environment/Dockerfile': 'FROM ubuntu:24.04\n',
    });
    const { task } = await readHarborTask(dir);
    expect(task.instruction).toBe('one');
    expect(task.stepInstructions).toEqual(['one', 'two']);
  });

  it('reports what a step folder holds besides instruction.md, tests/, solution/ and workdir/, and undeclared step folders', async () => {
    const dir = await writeTree(root, 'step-extras', {
      'task.toml': '[[steps]]\nname = "first"\n',
      'environment/Dockerfile': 'FROM ubuntu:24.04\n',
      'steps/first/instruction.md': 'one',
      'steps/first/tests/test.sh': '#!/bin/sh\n',
      'steps/first/solution/solve.sh': '#!/bin/sh\n',
      'steps/first/workdir/setup.sh': '#!/bin/sh\n',
      'steps/first/environment/Dockerfile': 'FROM ubuntu:24.04\n',
      'steps/first/task.toml': '',
      'steps/forgotten/instruction.md': 'never run',
    });
    const { findings } = await readHarborTask(dir);
    expect(findings.map((finding) => [finding.code, finding.kind, finding.task])).toEqual([
      ['harbor.unsupported.step_entry', 'unsupported', dir],
      ['harbor.unsupported.step_entry', 'unsupported', dir],
      ['harbor.unsupported.step_entry', 'unsupported', dir],
    ]);
    expect(findings[0]?.message).toMatch(/steps\/first\/environment: hud-ts runs a step from its/);
    expect(findings[1]?.message).toMatch(/steps\/first\/task\.toml: /);
    expect(findings[2]?.message).toMatch(
      /steps\/forgotten: no \[\[steps\]\] entry of task\.toml names it/,
    );
  });

  it("takes a step's separate verifier image from its own tests/Dockerfile, else the task's", async () => {
    const files = {
      'task.toml':
        '[[steps]]\nname = "a"\n[[steps]]\nname = "b"\n[steps.verifier]\nenvironment_mode = "separate"\n',
      'environment/Dockerfile': 'FROM ubuntu:24.04\n',
      'steps/a/instruction.md': 'a',
      'steps/b/instruction.md': 'b',
    };
    const own = await writeTree(root, 'separate-own', {
      ...files,
      'steps/b/tests/Dockerfile': 'FROM ubuntu:24.04\n',
    });
    await expect(readHarborTask(own)).resolves.toMatchObject({ findings: [] });
    const shared = await writeTree(root, 'separate-task', {
      ...files,
      'tests/Dockerfile': 'FROM ubuntu:24.04\n',
    });
    await expect(readHarborTask(shared)).resolves.toMatchObject({ findings: [] });
    const neither = await writeTree(root, 'separate-neither', files);
    const error = await rejection(readHarborTask(neither));
    expect(error.code).toBe('harbor.invalid.verifier_dockerfile_missing');
    expect(error.message).toContain(`${path.join(neither, 'steps/b/tests/Dockerfile')} and`);
    expect(error.message).toContain(`step "b"'s separate verifier`);
  });

  it('loads a task without tests/test.sh (grading reports it)', async () => {
    const { 'tests/test.sh': _omitted, ...files } = BASIC;
    const dir = await writeTree(root, 'no-tests', files);
    await expect(readHarborTask(dir)).resolves.toMatchObject({ findings: [] });
  });

  it('accepts a docker_image instead of a Dockerfile', async () => {
    const dir = await writeTree(root, 'image', {
      'task.toml': '[environment]\ndocker_image = "ubuntu:24.04"\n',
      'instruction.md': 'x',
    });
    const { task } = await readHarborTask(dir);
    expect(task.config.environment.dockerImage).toBe('ubuntu:24.04');
  });

  it.each([
    ['alone', {}],
    ['next to a Dockerfile (Harbor still starts it)', { 'environment/Dockerfile': 'FROM x' }],
  ])('reports a compose environment %s as unsupported', async (name, extra) => {
    const dir = await writeTree(root, `compose-${name.split(' ')[0]}`, {
      'task.toml': '',
      'instruction.md': 'x',
      'environment/docker-compose.yaml': 'services:\n  main:\n    build: .\n',
      ...extra,
    });
    const { findings } = await readHarborTask(dir);
    expect(findings).toEqual([
      expect.objectContaining({
        code: 'harbor.unsupported.compose',
        kind: 'unsupported',
        task: dir,
      }),
    ]);
  });

  it.each([
    ['no task.toml', { 'instruction.md': 'x' }, 'harbor.invalid.task_config_io', 'task.toml'],
    [
      'no instruction.md',
      { 'task.toml': '', 'environment/Dockerfile': 'FROM x' },
      'harbor.invalid.instruction_missing',
      'instruction.md',
    ],
    [
      'a step without its instruction',
      {
        'task.toml': '[[steps]]\nname = "a"\n[[steps]]\nname = "b"\n',
        'steps/a/instruction.md': 'x',
        'environment/Dockerfile': 'FROM x',
      },
      'harbor.invalid.instruction_missing',
      'steps/b/instruction.md',
    ],
    [
      'no environment',
      { 'task.toml': '', 'instruction.md': 'x' },
      'harbor.invalid.no_environment',
      'environment/Dockerfile',
    ],
    [
      'a separate verifier without tests/Dockerfile',
      {
        'task.toml': '[verifier]\nenvironment_mode = "separate"\n',
        'instruction.md': 'x',
        'environment/Dockerfile': 'FROM x',
      },
      'harbor.invalid.verifier_dockerfile_missing',
      'tests/Dockerfile',
    ],
  ])('refuses a task with %s', async (name, files, code, named) => {
    const dir = await writeTree(root, `bad-${name.replaceAll(' ', '-')}`, files);
    const error = await rejection(readHarborTask(dir));
    expect(error.code).toBe(code);
    expect(error.message).toContain(named);
  });
});

describe('isHarborSource', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'hud-harbor-is-'));
    await writeTree(root, 'dataset/task-a', { 'task.toml': '' });
    await writeTree(root, 'deep/group/task-b', { 'task.toml': '' });
    await writeTree(root, 'deeper/a/b/task-c', { 'task.toml': '' });
    await writeTree(root, 'empty', {});
    await writeTree(root, 'plain', { 'file.txt': 'x' });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it.each([
    ['a task directory', 'dataset/task-a', true],
    ['a dataset directory', 'dataset', true],
    ['a folder of datasets (tasks two levels down)', 'deep', true],
    ['a directory whose tasks are three levels down', 'deeper', false],
    ['an empty directory', 'empty', false],
    ['a file', 'plain/file.txt', false],
    ['a missing path', 'nowhere', false],
  ])('says %s is %s', (_name, relative, expected) => {
    expect(isHarborSource(path.join(root, relative))).toBe(expected);
  });
});

describe('loadHarborSource', () => {
  let root: string;
  let dataset: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'hud-harbor-load-'));
    dataset = path.join(root, 'My Dataset_2');
    await writeTree(dataset, 'b-ok', BASIC);
    await writeTree(dataset, 'a-ok', { ...BASIC, 'task.toml': '[agent]\ntimeout_sec = 30.0\n' });
    await writeTree(dataset, 'e-other-image', {
      ...BASIC,
      'environment/Dockerfile': 'FROM ubuntu:22.04\n',
    });
    await writeTree(dataset, 'f-other-config', {
      ...BASIC,
      'task.toml': '[environment]\nworkdir = "/work"\n',
    });
    await writeTree(dataset, 'c-bad-toml', { ...BASIC, 'task.toml': '[agent\n' });
    await writeTree(dataset, 'd-stdio', {
      ...BASIC,
      'task.toml': '[[environment.mcp_servers]]\nname = "x"\ntransport = "stdio"\ncommand = "x"\n',
    });
    await writeTree(dataset, 'not-a-task', { 'README.md': 'notes' });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('keeps the runnable tasks of a dataset, sorted, and reports the others', async () => {
    const source = await loadHarborSource(dataset);
    expect(source.name).toBe('my-dataset-2');
    expect(source.tasks.map((task) => task.slug)).toEqual([
      'a-ok',
      'b-ok',
      'e-other-image',
      'f-other-config',
    ]);
    expect(source.rows.map((row) => row.slug)).toEqual(source.tasks.map((task) => task.slug));
    expect(source.findings).toEqual([
      expect.objectContaining({
        code: 'harbor.invalid.toml',
        kind: 'invalid',
        task: path.join(dataset, 'c-bad-toml'),
      }),
      expect.objectContaining({
        code: 'harbor.unsupported.mcp_stdio',
        kind: 'unsupported',
        task: path.join(dataset, 'd-stdio'),
      }),
    ]);
  });

  it('gives tasks with the same environment the same env name, and others another', async () => {
    const { rows } = await loadHarborSource(dataset);
    const env = Object.fromEntries(rows.map((row) => [row.slug, row.env]));
    expect(env['a-ok']).toMatch(/^my-dataset-2-[0-9a-f]{12}$/);
    expect(env['a-ok']).toBe(env['b-ok']);
    expect(env['e-other-image']).not.toBe(env['a-ok']);
    expect(env['f-other-config']).not.toBe(env['a-ok']);
  });

  it('loads a single task directory as a one-task source named after it', async () => {
    const source = await loadHarborSource(path.join(dataset, 'b-ok'));
    expect(source.name).toBe('b-ok');
    expect(source.tasks.map((task) => task.slug)).toEqual(['b-ok']);
    expect(source.rows[0]?.env).toMatch(/^b-ok-[0-9a-f]{12}$/);
  });

  it('refuses a directory without tasks, naming task.toml and the nesting it looked through', async () => {
    const error = await rejection(loadHarborSource(path.join(dataset, 'not-a-task')));
    expect(error.code).toBe('harbor.invalid.no_tasks');
    expect(error.message).toMatch(
      /no task\.toml here, in an immediate subdirectory \(a dataset\), nor one level below that \(a folder of datasets\)/,
    );
  });

  it('runs a folder of datasets as the union of their tasks, slugged <dataset>/<task>', async () => {
    const folder = path.join(root, 'datasets');
    await writeTree(folder, 'alpha/hello', BASIC);
    await writeTree(folder, 'alpha/bye', BASIC);
    await writeTree(folder, 'beta/hello', BASIC);
    await writeTree(folder, 'beta/broken', { ...BASIC, 'task.toml': '[agent\n' });
    await writeTree(folder, 'loose-task', BASIC);
    await writeTree(folder, '.cache/hidden', BASIC);
    const source = await loadHarborSource(folder);
    expect(source.name).toBe('datasets');
    // Tasks right in the folder keep their names; a dataset's are prefixed with it, so both hello run.
    expect(source.rows.map((row) => row.slug)).toEqual([
      'alpha/bye',
      'alpha/hello',
      'beta/hello',
      'loose-task',
    ]);
    expect(source.tasks.map((task) => task.dir)).toEqual([
      path.join(folder, 'alpha/bye'),
      path.join(folder, 'alpha/hello'),
      path.join(folder, 'beta/hello'),
      path.join(folder, 'loose-task'),
    ]);
    expect(source.findings).toEqual([
      expect.objectContaining({
        code: 'harbor.invalid.toml',
        task: path.join(folder, 'beta/broken'),
      }),
    ]);
    expect(isHarborSource(folder)).toBe(true);
  });
});

describe('harborTaskRow', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'hud-harbor-row-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('maps a task as hud-python harbor.adapt does', async () => {
    const dir = await writeTree(root, 'full', {
      ...BASIC,
      'task.toml': [
        'artifacts = ["/app/out.txt"]',
        '[task]',
        'name = "org/full"',
        'description = "Everything set."',
        'keywords = ["k"]',
        '[metadata]',
        'difficulty = "easy"',
        '[agent]',
        'timeout_sec = 90.0',
        '[verifier]',
        'timeout_sec = 45.0',
        '[environment]',
        'build_timeout_sec = 120.4',
        'cpus = 2',
        'memory = "1G"',
      ].join('\n'),
    });
    const { task } = await readHarborTask(dir);
    const row = harborTaskRow(task, 'Bench Mark');
    expect(row.env).toMatch(/^bench-mark-[0-9a-f]{12}$/);
    expect(row).toEqual({
      env: row.env,
      id: 'run',
      slug: 'full',
      args: {
        instruction: 'Say hello.\n',
        task: {
          id: 'org/full',
          description: 'Everything set.',
          verifier_timeout: 45,
          separate_verifier: false,
          collect: [],
          artifacts: ['/app/out.txt'],
        },
      },
      agent_config: { timeout_seconds: 90 },
      columns: { difficulty: 'easy', keywords: ['k'] },
      runtime_config: {
        resources: { cpu: 2, memory_mb: 1024 },
        limits: { startup_timeout_s: 121 },
        harbor: { task_dir: dir, schema_version: '1.4' },
      },
    });
  });

  it('leaves out agent_config and columns when there are none', async () => {
    const dir = await writeTree(root, 'bare', { ...BASIC, 'task.toml': '' });
    const { task } = await readHarborTask(dir);
    const row = harborTaskRow(task, 'd');
    expect(row).not.toHaveProperty('agent_config');
    expect(row).not.toHaveProperty('columns');
    expect(row.args).toEqual({
      instruction: 'Say hello.\n',
      task: {
        id: 'bare',
        description: '',
        verifier_timeout: 600,
        separate_verifier: false,
        collect: [],
        artifacts: [],
      },
    });
    expect(row.runtime_config).toMatchObject({ resources: {}, limits: { startup_timeout_s: 600 } });
  });

  it.each([
    ['every step has a limit', ['30.0', '90.0'], { timeout_seconds: 90 }],
    ['one step has none', ['30.0', null], undefined],
  ])('gives a multi-step task the longest step limit when %s', async (name, limits, expected) => {
    const toml = limits
      .map(
        (limit, index) =>
          `[[steps]]\nname = "s${index}"\n${limit ? `[steps.agent]\ntimeout_sec = ${limit}\n` : ''}`,
      )
      .join('');
    const dir = await writeTree(root, `multi-${name.replaceAll(' ', '-')}`, {
      'task.toml': toml,
      'steps/s0/instruction.md': 'first',
      'steps/s1/instruction.md': 'second',
      'environment/Dockerfile': 'FROM x',
    });
    const { task } = await readHarborTask(dir);
    const row = harborTaskRow(task, 'd');
    expect(row.agent_config).toEqual(expected);
    expect(row.args).toMatchObject({ instruction: 'first', steps: ['s0', 's1'] });
  });
});

const examplesDir = fileURLToPath(new URL('../../../../shared/harbor-examples/', import.meta.url));
const haveExamples = existsSync(examplesDir);
if (!haveExamples) {
  console.warn(`skipping the Harbor example task tests: ${examplesDir} does not exist`);
}

(haveExamples ? describe : describe.skip)('the Harbor v0.22 example tasks', () => {
  const bySlug = async (slug: string) => {
    const source = await loadHarborSource(examplesDir);
    const task = source.tasks.find((candidate) => candidate.slug === slug);
    if (!task) throw new Error(`example task ${slug} not loaded`);
    return task;
  };

  it('loads all five with no findings and one unique row each', async () => {
    const source = await loadHarborSource(examplesDir);
    expect(source.findings).toEqual([]);
    expect(source.name).toBe('harbor-examples');
    expect(source.tasks.map((task) => task.slug)).toEqual([
      'environment-env-single',
      'hello-multi-step-simple',
      'hello-user',
      'hello-workdir',
      'separate-verifier-environment',
    ]);
    expect(source.rows.map((row) => row.slug)).toEqual(source.tasks.map((task) => task.slug));
    expect(new Set(source.rows.map((row) => row.slug)).size).toBe(5);
    for (const row of source.rows) expect(row.id).toBe('run');
  });

  it('reads hello-multi-step-simple as two steps with their own instructions', async () => {
    const task = await bySlug('hello-multi-step-simple');
    expect(task.config.schemaVersion).toBe('1.0');
    expect(task.config.steps.map((step) => step.name)).toEqual(['create-file', 'append-content']);
    const expected = task.config.steps.map((step) =>
      readFileSync(path.join(task.dir, 'steps', step.name, 'instruction.md'), 'utf8'),
    );
    expect(task.stepInstructions).toEqual(expected);
    expect(task.instruction).toBe(expected[0]);
  });

  it('reads separate-verifier-environment as a separate verifier with one artifact', async () => {
    const task = await bySlug('separate-verifier-environment');
    expect(task.config.verifier.mode).toBe('separate');
    expect(task.config.artifacts.map((artifact) => artifact.source)).toEqual([
      '$TMPDIR/configured-artifact.txt',
    ]);
  });

  it('reads the agent user, the workdir and the environment variables', async () => {
    expect((await bySlug('hello-user')).config.agent.user).toBe('agent');
    expect((await bySlug('hello-workdir')).config.environment.workdir).toBe('/custom-workdir');
    expect((await bySlug('environment-env-single')).config.environment.env).toEqual({
      HARBOR_STARTUP_ENV_TEST: 'single-container-injected',
    });
  });

  it('names copies of the same environment alike', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'hud-harbor-examples-'));
    try {
      for (const [copy, original] of [
        ['user-1', 'hello-user'],
        ['user-2', 'hello-user'],
        ['workdir', 'hello-workdir'],
      ] as const) {
        await cp(path.join(examplesDir, original), path.join(root, copy), { recursive: true });
      }
      const { rows } = await loadHarborSource(root);
      const env = Object.fromEntries(rows.map((row) => [row.slug, row.env]));
      expect(env['user-1']).toBe(env['user-2']);
      expect(env.workdir).not.toBe(env['user-1']);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
