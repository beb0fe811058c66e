#!/usr/bin/env node
// Checks every published package (the non-private packages/* and apps/*) the way npm will see it: packs each with
// `pnpm pack` (workspace:/catalog: ranges rewritten, `files` applied) into a temporary directory, then
//   - publint over the tarball: exports/files/bin/engines/type problems, suggestions included (any message
//     fails);
//   - @arethetypeswrong/cli (attw) over the tarball with `--profile esm-only`: every entry point must resolve
//     to JavaScript and its declarations under `node16` (from ESM) and `bundler` resolution. The profile
//     ignores `node10` (pre-`exports` resolution, which cannot see an exports-only package) and `node16-cjs`
//     (`require()` from CommonJS, which only reaches an ESM-only package through a dynamic import): the
//     packages are ESM-only by design (`"type": "module"`, NodeNext, one `types` + `default` condition per
//     entry). `--no-definitely-typed` keeps it offline (no @types look-up);
//   - our own rules: every published packages/* package is in the changesets `fixed` group (and back; apps
//     such as @hud/gateway are versioned on their own and stay out of it), every published package declares
//     `engines.node`, `files` and `sideEffects`, and depends on no private workspace package (npm could not
//     install it), and the packed package.json keeps no `workspace:`/`catalog:` range.
// Needs built packages (`pnpm build`): it packs `dist/` as it is. Run by `pnpm lint`; exits 1 on any problem.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pnpm = process.platform === 'win32' ? 'pnpm.cmd' : 'pnpm';
const attwBin = path.join(root, 'node_modules', '.bin', 'attw');
const ATTW_FLAGS = [
  '--profile',
  'esm-only',
  '--no-definitely-typed',
  '--format',
  'ascii',
  '--no-color',
];

/**
 * Workspace manifests of `packages/*` (the libraries and the CLI, released together) and `apps/*` (apps such
 * as @hud/gateway, versioned on their own), with their directory and which folder they are in.
 */
async function workspacePackages() {
  const found = [];
  for (const folder of ['packages', 'apps']) {
    const dirs = await readdir(path.join(root, folder), { withFileTypes: true });
    for (const dir of dirs.filter((entry) => entry.isDirectory())) {
      const file = path.join(root, folder, dir.name, 'package.json');
      const manifest = JSON.parse(await readFile(file, 'utf8').catch(() => 'null'));
      if (manifest) found.push({ dir: path.join(root, folder, dir.name), folder, manifest });
    }
  }
  return found;
}

/** Problems of our own rules over the source manifests. */
function manifestProblems(published, privateNames, fixed) {
  const problems = [];
  const names = new Set(published.map((pkg) => pkg.manifest.name));
  for (const { folder, manifest } of published) {
    const inFixed = fixed.has(manifest.name);
    if (folder === 'packages' && !inFixed) {
      problems.push(`${manifest.name}: not in .changeset/config.json's fixed group`);
    }
    if (folder === 'apps' && inFixed) {
      problems.push(`${manifest.name}: an app is versioned on its own, not in the fixed group`);
    }
  }
  for (const name of fixed) {
    if (!names.has(name))
      problems.push(`.changeset/config.json fixed group: ${name} is not published`);
  }
  for (const { manifest } of published) {
    const where = `${manifest.name} (package.json)`;
    if (!manifest.engines?.node) problems.push(`${where}: no engines.node`);
    if (!Array.isArray(manifest.files)) problems.push(`${where}: no files list`);
    if (manifest.sideEffects === undefined) problems.push(`${where}: no sideEffects`);
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const dep of Object.keys(manifest[field] ?? {})) {
        if (privateNames.has(dep)) {
          problems.push(`${where}: ${field} names ${dep}, a private package npm cannot install`);
        }
      }
    }
  }
  return problems;
}

/** Packs `published` into `dest` with one `pnpm pack`; returns the tarball path of each name. */
async function packAll(published, dest) {
  const filters = published.flatMap((pkg) => ['--filter', pkg.manifest.name]);
  const { stdout } = await run(
    pnpm,
    ['-r', ...filters, 'pack', '--pack-destination', dest, '--json'],
    { cwd: root, maxBuffer: 64 * 1024 * 1024 },
  );
  const packed = JSON.parse(stdout);
  return new Map((Array.isArray(packed) ? packed : [packed]).map((p) => [p.name, p.filename]));
}

/** The package.json inside a tarball. */
async function packedManifest(tarball) {
  const { stdout } = await run('tar', ['-xOzf', tarball, 'package/package.json']);
  return JSON.parse(stdout);
}

/** publint's messages for one tarball, formatted; empty when clean. */
async function publintProblems(name, tarball) {
  const data = await readFile(tarball);
  const tarballBuffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  const { messages, pkg } = await publint({
    pack: { tarball: tarballBuffer },
    level: 'suggestion',
    strict: true,
  });
  return messages.map(
    (message) =>
      `${name}: publint ${message.type}: ${formatMessage(message, pkg, { color: false })}`,
  );
}

/** attw's report for one tarball when it finds a problem; empty when clean. */
async function attwProblems(name, tarball) {
  try {
    await run(attwBin, [tarball, ...ATTW_FLAGS], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
    return [];
  } catch (error) {
    const output = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim() || String(error);
    return [`${name}: attw (--profile esm-only) found problems:\n${output}`];
  }
}

/** Checks of one packed package. */
async function packedProblems(name, tarball) {
  const problems = [];
  const manifest = await packedManifest(tarball);
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      if (/^(workspace|catalog):/.test(String(range))) {
        problems.push(`${name}: packed ${field}.${dep} is still ${range}`);
      }
    }
  }
  const [fromPublint, fromAttw] = await Promise.all([
    publintProblems(name, tarball),
    attwProblems(name, tarball),
  ]);
  return [...problems, ...fromPublint, ...fromAttw];
}

/** Runs `work` over `items`, at most `limit` at a time, results in order. */
async function mapLimited(items, limit, work) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

async function main() {
  const all = await workspacePackages();
  const published = all.filter((pkg) => pkg.manifest.private !== true);
  const privateNames = new Set(
    all.filter((pkg) => pkg.manifest.private === true).map((pkg) => pkg.manifest.name),
  );
  const changesets = JSON.parse(
    await readFile(path.join(root, '.changeset', 'config.json'), 'utf8'),
  );
  const fixed = new Set((changesets.fixed ?? []).flat());
  const problems = manifestProblems(published, privateNames, fixed);

  for (const { dir, manifest } of published) {
    const built = await readdir(path.join(dir, 'dist')).catch(() => []);
    if (built.length === 0) {
      problems.push(
        `${manifest.name}: ${path.relative(root, dir)}/dist is missing: run \`pnpm build\` first`,
      );
    }
  }
  if (problems.length === 0) {
    const dest = await mkdtemp(path.join(tmpdir(), 'hud-packages-'));
    try {
      const tarballs = await packAll(published, dest);
      const names = published.map((pkg) => pkg.manifest.name);
      for (const name of names) {
        if (!tarballs.has(name)) problems.push(`${name}: pnpm pack made no tarball`);
      }
      const found = await mapLimited(
        names.filter((name) => tarballs.has(name)),
        2,
        (name) => packedProblems(name, tarballs.get(name)),
      );
      problems.push(...found.flat());
    } finally {
      await rm(dest, { recursive: true, force: true });
    }
  }

  if (problems.length > 0) {
    console.error(`check-packages: ${problems.length} problem(s) in the published packages:`);
    for (const problem of problems) console.error(`- ${problem}`);
    process.exitCode = 1;
    return;
  }
  console.log(
    `check-packages: ${published.length} published packages clean (publint, attw --profile esm-only)`,
  );
}

await main();
