import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..', '..');
const mirrorScript = join(root, 'scripts', 'debian-mirror.sh');

// Package registries, CDNs serving registry packages and distribution mirrors. Written as patterns (dots
// escaped) so this file names no host either. Reserved names (RFC 2606: example.com/.org/.net, *.invalid)
// are what fixtures use instead.
const REGISTRY_HOSTS: readonly RegExp[] = [
  /\b[\w.-]*\bdebian\.(org|net)\b/i,
  /\b[\w.-]*\bubuntu\.com\b/i,
  /\bnpmjs\.(org|com)\b/i,
  /\byarnpkg\.com\b/i,
  /\bunpkg\.com\b/i,
  /\bjsdelivr\.(net|com)\b/i,
  /\bpypi\.(org|python\.org)\b/i,
  /\bpythonhosted\.org\b/i,
  /\bregistry-1\.docker\.io\b/i,
  /\bhub\.docker\.com\b/i,
  /\b(ghcr|quay|gcr)\.io\b/i,
  /\bnodejs\.org\b/i,
  /\bcrates\.io\b/i,
  /\bproxy\.golang\.org\b/i,
];

const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', '.turbo', '.hud', 'coverage']);
const TEXT_FILE =
  /\.(ts|js|mjs|cjs|json|jsonl|md|toml|ya?ml|sh|txt|html|css|Dockerfile)$|(^|\/)(Dockerfile[\w.-]*|\.ci\/run)$/;

async function* repositoryFiles(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) yield* repositoryFiles(join(dir, entry.name));
    } else if (entry.isFile()) {
      const path = join(dir, entry.name);
      if (TEXT_FILE.test(relative(root, path))) yield path;
    }
  }
}

describe('repository hygiene', () => {
  it('names no package-registry or mirror host in any source, doc, script or fixture', async () => {
    const hits: string[] = [];
    for await (const path of repositoryFiles(root)) {
      const lines = (await readFile(path, 'utf8')).split('\n');
      lines.forEach((line, index) => {
        for (const pattern of REGISTRY_HOSTS) {
          const match = pattern.exec(line);
          if (match) hits.push(`${relative(root, path)}:${index + 1}: ${match[0]}`);
        }
      });
    }
    expect(hits).toEqual([]);
  });
});

describe('scripts/debian-mirror.sh (the mirror docker-setup.sh hands debootstrap)', () => {
  const scratch: string[] = [];
  afterAll(async () => {
    await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  async function mirror(files: Record<string, string>, env: Record<string, string> = {}) {
    const dir = await mkdtemp(join(tmpdir(), 'hud-mirror-'));
    scratch.push(dir);
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    const { HUD_DEBIAN_MIRROR: _drop, ...base } = process.env;
    return run('bash', [mirrorScript], {
      env: { ...base, APT_SOURCES_DIR: dir, APT_SOURCES_LIST: join(dir, 'sources.list'), ...env },
    });
  }

  it('takes the first deb822 stanza of a release, skipping security, deb-src and comments', async () => {
    const { stdout } = await mirror({
      'debian.sources': [
        'Types: deb',
        'URIs: http://security.example.org/debian-security',
        'Suites: bookworm-security',
        '',
        '# Types: deb',
        'Types: deb-src',
        'URIs: http://source.example.org/debian',
        'Suites: bookworm',
        '',
        'Types: deb',
        'URIs: http://mirror.example.org/debian',
        'Suites: bookworm bookworm-updates',
        'Components: main',
      ].join('\n'),
    });
    expect(stdout.trim()).toBe('http://mirror.example.org/debian');
  });

  it('falls back to a one-line sources.list entry, options in brackets included', async () => {
    const { stdout } = await mirror({
      'sources.list': [
        '# deb http://commented.example.org/debian bookworm main',
        'deb [signed-by=/usr/share/keyrings/k.gpg] http://security.example.org/ bookworm-security main',
        'deb [arch=amd64 signed-by=/k.gpg] http://list.example.org/debian bookworm main',
      ].join('\n'),
    });
    expect(stdout.trim()).toBe('http://list.example.org/debian');
  });

  it('HUD_DEBIAN_MIRROR wins over the machine’s sources', async () => {
    const { stdout } = await mirror(
      { 'sources.list': 'deb http://list.example.org/debian bookworm main\n' },
      { HUD_DEBIAN_MIRROR: 'http://override.example.org/debian' },
    );
    expect(stdout.trim()).toBe('http://override.example.org/debian');
  });

  it('fails with a message naming where it looked when no source names a mirror', async () => {
    const error = await mirror({}).catch((failure: unknown) => failure);
    expect(error).toMatchObject({ code: 1 });
    expect(String((error as { stderr: string }).stderr)).toMatch(
      /no Debian mirror found in .*\.sources or .*sources\.list; set HUD_DEBIAN_MIRROR/,
    );
  });
});
