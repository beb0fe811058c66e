import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WireClient } from '@hud/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { runHud } from './support/run-hud.js';
import { serveEnv, serveForSuite } from './support/served-env.js';

// Scratch env files live inside this package so they resolve @hud/environment and zod from its node_modules.
const SCRATCH = fileURLToPath(new URL('../.scratch/', import.meta.url));

function scratchFile(name: string, text: string): string {
  mkdirSync(SCRATCH, { recursive: true });
  const file = path.join(SCRATCH, name);
  writeFileSync(file, text);
  return file;
}

afterAll(() => rmSync(SCRATCH, { recursive: true, force: true }));

describe('hud task against hud serve (separate processes)', () => {
  const suite = serveForSuite();
  /** `hud <words, split at spaces> …flags --url <the suite's env>`. */
  const against = (words: string, ...flags: string[]) =>
    runHud([...words.split(' '), ...flags, '--url', suite.url]);

  it('answers a hand-written hello on a raw socket', async () => {
    const socket = await WireClient.connect(suite.served.port);
    socket.write('{"jsonrpc":"2.0","id":1,"method":"hello","params":{}}\n');
    const reply = JSON.parse((await socket.nextLine()) as string);
    expect(reply.result.env).toEqual({ name: 'conformance', version: '0.1.0' });
    expect(reply.result.session_id).toMatch(/^sess-[0-9a-f]{8}$/);
    socket.destroy();
  });

  it('starts a task in one process and grades it in another', async () => {
    const start = await against('task start count', '--args', '{"text":"banana","letter":"a"}');
    expect(start.code).toBe(0);
    expect(start.stdout.trim()).toBe(
      "How many times does the letter 'a' appear in 'banana'? Answer with just the number.",
    );
    const grade = await against('task grade count', '--answer', '3');
    expect(grade.stderr).toBe('');
    expect(grade.stdout.trim()).toBe('1.0');
    // The parked task was consumed: a second grade has nothing to adopt and starts the task itself.
    const again = await against(
      'task grade count',
      '--answer',
      '2',
      '--args',
      '{"text":"banana","letter":"n"}',
    );
    expect(again.stdout.trim()).toBe('1.0');
  });

  it('writes the whole frames with --out and works under the scenario alias', async () => {
    const out = scratchFile('start.json', '');
    const setup = await against(
      'scenario setup chat',
      '--args',
      '{"topic":"fruit","turns":1}',
      '--out',
      out,
    );
    expect(setup.code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).prompt).toHaveLength(4);
    const graded = await against('scenario grade chat', '--answer', 'apple', '--out', out);
    expect(graded.code).toBe(0);
    const frame = JSON.parse(readFileSync(out, 'utf8'));
    expect(frame).toMatchObject({
      score: 1,
      content: "answered 'apple'",
      subscores: [{ name: 'non_empty', value: 1 }],
    });
  });

  it('lists the templates of a server', async () => {
    const list = await runHud(['task', 'list', '--url', suite.url]);
    expect(
      list.stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => line.split('\t')[0]),
    ).toEqual(['count', 'chat', 'add', 'boom', 'typed']);
  });

  it('says clearly when no environment answers', async () => {
    const nowhere = ['--url', 'tcp://127.0.0.1:1', '--ready-timeout', '1'];
    const start = await runHud(['task', 'start', 'count', ...nowhere]);
    expect(start.code).toBe(1);
    expect(start.stderr).toMatch(/no environment answers at tcp:\/\/127\.0\.0\.1:1/);
  });

  it('reports a task error with its code and message', async () => {
    const start = await against('task start count', '--args', '{"text":"x"}');
    expect(start.code).toBe(1);
    expect(start.stderr).toContain(
      "hud rpc error -32000: task 'count': bad args ['text']: missing a required argument: 'letter'",
    );
  });
});

describe('hud serve lifecycle', () => {
  it('runs shutdown hooks on SIGTERM and exits 0', async () => {
    const marker = path.join(SCRATCH, 'stopped.txt');
    const file = scratchFile(
      'hooks-env.ts',
      `import { writeFileSync } from 'node:fs';
import { Environment } from '@hud/environment';
export const env = new Environment({ name: 'hooks' });
env.shutdown(() => writeFileSync(${JSON.stringify(marker)}, 'stopped'));
`,
    );
    const served = await serveEnv(file);
    expect(existsSync(marker)).toBe(false);
    expect(await served.stop()).toBe(0);
    expect(readFileSync(marker, 'utf8')).toBe('stopped');
  });

  it('names the file when an environment fails to load', async () => {
    const file = scratchFile('broken-env.ts', 'export const env = new Environment(;\n');
    const run = await runHud(['serve', file, '--port', '0']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`failed to load ${file}`);
    expect(run.stdout).toBe('');
  });

  it('asks to pick one when a file declares several environments, and serves the one named', async () => {
    const file = scratchFile(
      'two-envs.ts',
      `import { Environment } from '@hud/environment';
export const a = new Environment({ name: 'alpha' });
export const b = new Environment({ name: 'beta' });
`,
    );
    const run = await runHud(['serve', file, '--port', '0']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /multiple Environments .*a \(alpha\), b \(beta\); select one by name/,
    );
    const served = await serveEnv(file, ['--env', 'beta']);
    const socket = await WireClient.connect(served.port);
    socket.write('{"jsonrpc":"2.0","id":1,"method":"hello"}\n');
    expect(JSON.parse((await socket.nextLine()) as string).result.env.name).toBe('beta');
    socket.destroy();
    expect(await served.stop()).toBe(0);
  });

  it('refuses a non-loopback host without a token', async () => {
    const file = scratchFile(
      'plain-env.ts',
      "import { Environment } from '@hud/environment';\nexport const env = new Environment();\n",
    );
    const run = await runHud(['serve', file, '--host', '0.0.0.0', '--port', '0']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/needs a token/);
  });

  it('hud dev restarts the server on a change and keeps the port', async () => {
    const file = scratchFile(
      'dev-env.ts',
      "import { Environment } from '@hud/environment';\nexport const env = new Environment({ name: 'dev', version: '1' });\n",
    );
    const served = await serveEnv(file, ['--watch']);
    const versionAt = async () => {
      const socket = await WireClient.connect(served.port);
      socket.write('{"jsonrpc":"2.0","id":1,"method":"hello"}\n');
      const line = await socket.nextLine();
      socket.destroy();
      return line === null ? undefined : JSON.parse(line).result.env.version;
    };
    expect(await versionAt()).toBe('1');
    writeFileSync(
      file,
      "import { Environment } from '@hud/environment';\nexport const env = new Environment({ name: 'dev', version: '2' });\n",
    );
    let version: string | undefined;
    for (let attempt = 0; attempt < 100 && version !== '2'; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      version = await versionAt().catch(() => undefined);
    }
    expect(version).toBe('2');
    expect(await served.stop()).toBe(0);
  });
});
