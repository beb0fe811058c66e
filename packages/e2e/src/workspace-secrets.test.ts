import { readFileSync } from 'node:fs';
import path from 'node:path';
import { HudClient, type SshClient } from '@hud/protocol';
import { type FakeTurn, startFakeProvider } from '@hud/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  lastToolResults,
  type MessagesBody,
  resultText,
  turnOf,
} from './support/anthropic-messages.js';
import { removeModelScratch, runClaude } from './support/model-agents.js';
import { REPO_ROOT, type ServedEnv, serveEnv } from './support/served-env.js';

// The user's credentials never reach an agent's shell: `hud serve examples/coding-fix` and `hud eval …
// claude` with provider keys (and a HUD_* secret) planted in the serving process's environment, checked
// from inside the workspace with `env` and every readable /proc/<pid>/environ.

const PLANTED = {
  HUD_TEST_SECRET_XYZ: 'planted-value-123',
  ANTHROPIC_API_KEY: 'sk-planted-anthropic-456',
  OPENAI_API_KEY: 'sk-planted-openai-789',
} as const;

const CODING_FIX = path.join(REPO_ROOT, 'examples/coding-fix');

/** Which planted values occur in `text`. */
function leaked(text: string): string[] {
  return Object.values(PLANTED).filter((value) => text.includes(value));
}

/** Prints the session's environment and every /proc/<pid>/environ it can read, then a marker. */
const PROBE = [
  'env',
  'for f in /proc/[0-9]*/environ; do tr "\\0" "\\n" < "$f" 2>/dev/null; done',
  'echo "uid=$(id -u)"',
  'echo END-OF-PROBE',
].join('; ');

afterAll(removeModelScratch);

describe('hud serve examples/coding-fix with provider keys in its environment', () => {
  let served: ServedEnv;
  let client: HudClient;
  let shell: SshClient;
  beforeAll(async () => {
    const saved = { ...process.env };
    Object.assign(process.env, PLANTED);
    try {
      served = await serveEnv(path.join(CODING_FIX, 'env.ts'));
    } finally {
      for (const name of Object.keys(PLANTED)) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    }
    client = await HudClient.connect(`tcp://127.0.0.1:${served.port}`, { heartbeatIntervalMs: 0 });
    shell = await client.open<SshClient>('shell');
  });
  afterAll(async () => {
    await shell?.close();
    await client?.close();
    await served?.stop();
  });

  it('the planted values are in the serving process (so the checks below can see a leak)', () => {
    // Read from outside: the test runs as the same user as `hud serve`.
    const environ = readFileSync(`/proc/${served.child.pid}/environ`, 'utf8');
    expect(leaked(environ)).toEqual(Object.values(PLANTED));
  });

  it('env and every readable /proc/<pid>/environ in the workspace shell hold none of them', async () => {
    const result = await shell.exec(PROBE);
    expect(result.stdout).toMatch(/END-OF-PROBE\n$/);
    expect(result.stdout).toMatch(/^PATH=/m);
    expect(leaked(result.stdout)).toEqual([]);
    const tty = await shell.exec(PROBE, { pty: true });
    expect(tty.stdout).toMatch(/END-OF-PROBE/);
    expect(leaked(tty.stdout)).toEqual([]);
  });

  it('sandboxed, the shell cannot read /etc/shadow, /root, the Docker socket or the server keys', async (context) => {
    if (client.binding('shell').params.isolation !== 'bwrap') {
      context.skip('bubblewrap does not work here: the workspace runs sessions unisolated');
    }
    const keyDir = path.dirname(client.binding('shell').params.client_key_path as string);
    const result = await shell.exec(
      [
        'cat /etc/shadow >/dev/null 2>&1 && echo shadow',
        'ls /root >/dev/null 2>&1 && echo root',
        'ls /home/* >/dev/null 2>&1 && echo home',
        '[ -e /var/run/docker.sock ] || [ -e /run/docker.sock ] && echo docker',
        `cat ${keyDir}/host_ed25519 >/dev/null 2>&1 && echo keys`,
        'echo "uid=$(id -u)"',
      ].join('; '),
    );
    const uid = process.getuid?.() === 0 ? 'uid=65534' : `uid=${process.getuid?.()}`;
    expect(result.stdout).toBe(`${uid}\n`);
  });
});

describe('hud eval examples/coding-fix claude with the keys in the CLI environment', () => {
  it("the agent's bash tool finds no key in env or /proc/*/environ", async () => {
    const script: FakeTurn[] = [
      { toolCalls: [{ name: 'bash', arguments: { command: PROBE } }] },
      { text: 'Looked around.' },
    ];
    await using fake = await startFakeProvider({
      handler: (body) => script[turnOf(body)] ?? { text: 'lost' },
    });
    const run = await runClaude(fake.url, ['eval', path.join(CODING_FIX, 'tasks.ts'), 'claude'], {
      env: { ...PLANTED },
    });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    const bodies = fake.bodiesFor('anthropic-messages') as MessagesBody[];
    expect(bodies).toHaveLength(2);
    const [probe] = lastToolResults(bodies[1]);
    const text = resultText(probe);
    expect(text).toMatch(/END-OF-PROBE/);
    expect(text).toMatch(/^PATH=/m);
    expect(leaked(text)).toEqual([]);
    // The CLI did use the planted key: the leak check is not vacuous.
    const [first] = fake.requestsFor('anthropic-messages');
    expect(first?.headers['x-api-key'] ?? first?.headers.authorization).toContain(
      PLANTED.ANTHROPIC_API_KEY,
    );
  });
});
