import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HudClient } from '@hud/protocol';
import { WireClient } from '@hud/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Environment } from '../environment.js';
import { type ControlServer, serve } from '../server.js';

interface Patch {
  path: string;
  status: string;
  patch: string;
  size_before: number;
  size_after: number;
  content_hash_before: string | null;
  content_hash_after: string | null;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** A `filetracking/1` caller over a socket. */
async function call(client: WireClient, method: string): Promise<Record<string, unknown>> {
  const reply = await client.request(method, {});
  if (reply.error) throw new Error(`${method}: ${JSON.stringify(reply.error)}`);
  return reply.result as Record<string, unknown>;
}

function patchesOf(result: Record<string, unknown>): Map<string, Patch> {
  return new Map((result.patches as Patch[]).map((patch) => [patch.path, patch]));
}

describe('filetracking/1 on a served workspace', () => {
  let dir: string;
  let server: ControlServer;
  let client: HudClient;
  let tracking: WireClient;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'hud-ft-'));
    await writeFile(path.join(dir, 'seeded.txt'), 'one\ntwo\nthree\n');
    const env = new Environment({ name: 'ft' });
    env.workspace(dir);
    // The setup of a task, before the agent: what `setup` reports.
    env.template({ id: 'edit' }, async function* () {
      yield 'edit the files';
      return 1;
    });
    server = await serve(env);
    client = await HudClient.connect(server.url);
    const local = new URL(client.binding('filetracking').url);
    tracking = await WireClient.connect(Number(local.port));
  });

  afterAll(async () => {
    tracking?.socket.destroy();
    await client?.close();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is published next to the shell with the binding shape of hud-python', () => {
    const binding = client.manifest?.bindings.find((b) => b.name === 'filetracking');
    expect(binding).toEqual({
      name: 'filetracking',
      protocol: 'filetracking/1',
      url: expect.stringMatching(/^tcp:\/\/127\.0\.0\.1:\d+$/),
      params: { root: dir, setup_diff: true },
    });
    expect(client.manifest?.bindings.map((b) => b.name)).toEqual(['shell', 'filetracking']);
  });

  it('reports setup changes, then added, modified and deleted files as unified diffs', async () => {
    await writeFile(path.join(dir, 'from-setup.txt'), 'setup\n');
    const setup = await call(tracking, 'setup');
    expect(setup).toMatchObject({ files_scanned: 2, files_changed: 1 });
    expect(setup.truncated).toBeUndefined();
    expect((setup.patches as Patch[])[0]).toEqual({
      path: 'from-setup.txt',
      status: 'added',
      patch: '--- a/from-setup.txt\n+++ b/from-setup.txt\n@@ -0,0 +1 @@\n+setup',
      size_before: 0,
      size_after: 6,
      content_hash_before: null,
      content_hash_after: sha256('setup\n'),
    });
    const snapshot = await call(tracking, 'snapshot');
    expect(snapshot).toEqual({
      files: [
        { path: 'from-setup.txt', size: 6, content_hash: sha256('setup\n') },
        { path: 'seeded.txt', size: 14, content_hash: sha256('one\ntwo\nthree\n') },
      ],
      files_scanned: 2,
    });

    await mkdir(path.join(dir, 'src'));
    await writeFile(path.join(dir, 'src', 'new.py'), 'print(1)\n');
    await writeFile(path.join(dir, 'seeded.txt'), 'one\nTWO\nthree\n');
    await unlink(path.join(dir, 'from-setup.txt'));
    const diff = await call(tracking, 'diff');
    expect(diff).toMatchObject({ files_scanned: 2, files_changed: 3 });
    expect(typeof diff.snapshot_timestamp).toBe('number');
    expect(typeof diff.scan_duration_ms).toBe('number');
    const patches = patchesOf(diff);
    expect(patches.get('src/new.py')).toMatchObject({
      status: 'added',
      patch: '--- a/src/new.py\n+++ b/src/new.py\n@@ -0,0 +1 @@\n+print(1)',
    });
    // difflib.unified_diff(["one","two","three"], ["one","TWO","three"], "a/seeded.txt", "b/seeded.txt", lineterm="")
    expect(patches.get('seeded.txt')).toEqual({
      path: 'seeded.txt',
      status: 'modified',
      patch: '--- a/seeded.txt\n+++ b/seeded.txt\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three',
      size_before: 14,
      size_after: 14,
      content_hash_before: sha256('one\ntwo\nthree\n'),
      content_hash_after: sha256('one\nTWO\nthree\n'),
    });
    expect(patches.get('from-setup.txt')).toMatchObject({
      status: 'deleted',
      patch: '--- a/from-setup.txt\n+++ b/from-setup.txt\n@@ -1 +0,0 @@\n-setup',
      size_after: 0,
      content_hash_after: null,
    });
    // Nothing changed since: an empty diff.
    expect(await call(tracking, 'diff')).toMatchObject({ files_changed: 0, patches: [] });
  });

  it('skips caches, VCS and native objects, and tracks credential-shaped paths without content', async () => {
    const secret = 'sk-live-0123456789abcdef';
    for (const [file, text] of [
      ['node_modules/pkg/index.js', 'x'],
      ['.venv/lib/site.py', 'x'],
      ['.git/config', 'x'],
      ['.hud/config.json', '{}'],
      ['native.so', 'x'],
      ['__pycache__/m.cpython-312.pyc', 'x'],
      ['.env', `API_KEY=${secret}\n`],
      ['deploy/id_ed25519', secret],
      ['home/.ssh/known_hosts', secret],
      ['certs/server.pem', secret],
    ] as const) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), text);
    }
    const reply = await tracking.call('diff', {});
    expect(reply).not.toContain(secret);
    const diff = (JSON.parse(reply) as { result: Record<string, unknown> }).result;
    const patches = patchesOf(diff);
    expect([...patches.keys()].sort()).toEqual([
      '.env',
      'certs/server.pem',
      'deploy/id_ed25519',
      'home/.ssh/known_hosts',
    ]);
    expect(patches.get('.env')).toMatchObject({
      status: 'added',
      patch: 'Secret file changed (content redacted): .env\n',
      content_hash_after: expect.stringMatching(/^redacted:\d+:\d+$/),
    });
    const snapshot = await tracking.call('snapshot', {});
    expect(snapshot).not.toContain('.env');
    expect(snapshot).not.toContain('id_ed25519');
  });

  it('gives a 5 MB file and a binary file placeholders, with sizes and hashes', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024, 'a');
    const binary = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xfe, 0x00]);
    await writeFile(path.join(dir, 'big.txt'), big);
    await writeFile(path.join(dir, 'blob.bin'), binary);
    const patches = patchesOf(await call(tracking, 'diff'));
    expect(patches.get('big.txt')).toMatchObject({
      status: 'added',
      patch: `File too large to diff (0 -> ${big.length} bytes): big.txt\n`,
      size_after: big.length,
      content_hash_after: expect.stringMatching(/^overlimit:5242880:\d+$/),
    });
    expect(patches.get('blob.bin')).toMatchObject({
      status: 'added',
      patch: 'Binary file changed: blob.bin\n',
      size_after: binary.length,
      content_hash_after: sha256(binary),
    });
  });

  it('flushes the trailing diff and the changed deliverables', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    await writeFile(path.join(dir, 'chart.png'), png);
    await writeFile(path.join(dir, 'notes.md'), 'done\n');
    const flushed = await call(tracking, 'flush');
    expect(patchesOf(flushed.diff as Record<string, unknown>).get('notes.md')?.status).toBe(
      'added',
    );
    const capture = flushed.capture as Record<string, unknown>;
    expect(capture).toMatchObject({ files_eligible: 1, files_captured: 1, files_skipped: 0 });
    expect(capture.files).toEqual([
      {
        path: 'chart.png',
        size: png.length,
        content_hash: sha256(png),
        content_type: 'image/png',
        file: { type: 'file', data: png.toString('base64'), media_type: 'image/png' },
        status: 'added',
      },
    ]);
  });

  it('answers advance, and -32000 for an unknown method on a connection that stays open', async () => {
    expect(await call(tracking, 'advance')).toEqual({ advanced: true });
    expect(JSON.parse(await tracking.call('rewind', {}))).toEqual({
      jsonrpc: '2.0',
      id: expect.any(Number),
      error: { code: -32000, message: "unknown filetracking method: 'rewind'" },
    });
    expect(await call(tracking, 'snapshot')).toHaveProperty('files_scanned');
  });

  it('refuses a malformed frame with -32700 and closes that connection', async () => {
    const published = client.manifest?.bindings.find((b) => b.name === 'filetracking');
    const direct = new URL(published?.url ?? 'tcp://127.0.0.1:1');
    const raw = await WireClient.connect(Number(direct.port));
    raw.write('{"jsonrpc":"2.0","id":1,"method":\n');
    const reply = JSON.parse((await raw.nextLine()) as string);
    expect(reply).toMatchObject({ id: null, error: { code: -32700 } });
    expect(await raw.nextLine()).toBeNull();
    const array = await WireClient.connect(Number(direct.port));
    array.write('[1,2]\n');
    expect(JSON.parse((await array.nextLine()) as string)).toMatchObject({
      id: null,
      error: { code: -32600, message: expect.stringContaining('an array') },
    });
    expect(await array.nextLine()).toBeNull();
  });
});

describe('filetracking/1 settings of serve', () => {
  it('publishes no binding with fileTracking: false (HUD_FILE_TRACKING_ENABLED=false)', async () => {
    const env = new Environment({ name: 'off' });
    env.workspace();
    const server = await serve(env, { fileTracking: false });
    try {
      expect(env.manifest().map((b) => b.protocol)).toEqual(['ssh/2']);
    } finally {
      await server.close();
    }
  });

  it("refuses a request line over the server's maxFrameBytes, answering what came before", async () => {
    const env = new Environment({ name: 'small' });
    const workspace = env.workspace();
    const server = await serve(env, { maxFrameBytes: 1024 });
    try {
      const url = new URL(workspace.fileTrackingCapability?.url as string);
      const raw = await WireClient.connect(Number(url.port));
      raw.write(`{"jsonrpc":"2.0","id":1,"method":"advance"}\n{"pad":"${'x'.repeat(2048)}"}\n`);
      expect(JSON.parse((await raw.nextLine()) as string)).toEqual({
        jsonrpc: '2.0',
        id: 1,
        result: { advanced: true },
      });
      expect(JSON.parse((await raw.nextLine()) as string)).toMatchObject({
        id: null,
        error: { code: -32600 },
      });
      expect(await raw.nextLine()).toBeNull();
    } finally {
      await server.close();
    }
  });
});
