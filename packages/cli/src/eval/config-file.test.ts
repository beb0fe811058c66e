// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the ${VAR} placeholders are TOML text, not templates
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EVAL_CONFIG_FILE, readEvalConfigFile } from './config-file.js';

const AGENTS = ['oracle', 'nop', 'claude', 'openai', 'gemini', 'openai_compatible'];
let cwd: string;
let warnings: string[];
beforeEach(() => {
  cwd = mkdtempSync(path.join(tmpdir(), 'hud-eval-config-'));
  warnings = [];
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

function read(text: string | undefined, variables: Record<string, string> = {}) {
  if (text !== undefined) writeFileSync(path.join(cwd, EVAL_CONFIG_FILE), text);
  return readEvalConfigFile({
    cwd,
    variables,
    agents: AGENTS,
    warn: (line) => warnings.push(line),
  });
}

describe('.hud_eval.toml', () => {
  it('is optional and never created', () => {
    expect(read(undefined)).toBeUndefined();
  });

  it('reads [eval] defaults and agent sections, substituting ${VAR}', () => {
    const config = read(
      [
        '[eval]',
        'source = "${TASKS_DIR}/tasks.jsonl"',
        'agent = "claude"',
        'all = true',
        'max_concurrent = 4',
        'max_steps = 25',
        'group_size = 3',
        'task_ids = ["count-1", 0]',
        'very_verbose = true',
        'auto_respond = true',
        'runtime = "docker"',
        '',
        '[claude]',
        'model = "claude-haiku-4-5"',
        'api_key = "${ANTHROPIC_KEY}"',
        'note = "costs $$5, $UNSET_ONE"',
      ].join('\n'),
      { TASKS_DIR: '/data', ANTHROPIC_KEY: 'sk-test' },
    );
    expect(config?.file).toBe(path.join(cwd, EVAL_CONFIG_FILE));
    expect(config?.defaults).toEqual({
      source: '/data/tasks.jsonl',
      agent: 'claude',
      all: true,
      maxConcurrent: 4,
      maxSteps: 25,
      group: 3,
      taskIds: ['count-1', '0'],
      verbose: 2,
      autoRespond: true,
      runtime: 'docker',
    });
    expect(config?.agents).toEqual({
      claude: { model: 'claude-haiku-4-5', api_key: 'sk-test', note: 'costs $5, ' },
    });
    expect(warnings).toEqual([
      `${config?.file}: [claude] note: $UNSET_ONE is not set; it reads as an empty string`,
    ]);
  });

  it('warns about unknown keys and sections, naming the file and the key', () => {
    const config = read('[eval]\nmax_stepz = 5\ngateway = true\n\n[evals]\nall = true\n');
    const file = path.join(cwd, EVAL_CONFIG_FILE);
    expect(config?.defaults).toEqual({});
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${file.replaceAll('.', '\\.')}: unknown key 'max_stepz' in \\[eval\\], ignored`,
        ),
      ),
      `${file}: [eval] gateway is ignored: hud-ts routes through the HUD gateway by itself when HUD_API_KEY is the only key it has`,
      expect.stringMatching(/: unknown section 'evals', ignored \(known: \[eval\], \[oracle\]/),
    ]);
  });

  it('refuses a broken file naming the file and line', () => {
    expect(() => read('[eval]\nmax_steps = 5\nagent = "nop\n')).toThrow(
      `${path.join(cwd, EVAL_CONFIG_FILE)} line 3, column 13: not valid TOML: control characters are not allowed in strings`,
    );
  });

  it('refuses a value of the wrong type naming the key', () => {
    expect(() => read('[eval]\nmax_steps = "ten"\n')).toThrow(
      `${path.join(cwd, EVAL_CONFIG_FILE)}: [eval] max_steps must be a whole number ≥ 1, got "ten"`,
    );
    expect(() => read('[eval]\nsource = "$ 5"\n')).toThrow(
      "[eval] source: '$' must start ${NAME} or $NAME",
    );
    expect(() => read('claude = "x"\n')).toThrow("'claude' must be a [claude] section");
  });

  it('reads remote = true, and refuses it beside a runtime naming the file', () => {
    expect(read('[eval]\nremote = true\n')?.defaults).toEqual({ remote: true });
    expect(warnings).toEqual([]);
    expect(() => read('[eval]\nremote = true\nruntime = "docker"\n')).toThrow(
      `${path.join(cwd, EVAL_CONFIG_FILE)}: [eval] remote = true and runtime = "docker" cannot both be set`,
    );
  });
});
