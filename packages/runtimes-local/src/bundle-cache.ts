import { createHash, randomBytes } from 'node:crypto';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { PackageLookup, SourceRecord } from './bundle-plugins.js';
import { bundleEnvironment, type EnvBundle, lookupsUnchanged } from './env-bundle.js';

/** Bumped when the bundle's shape or the manifest's changes: older caches are ignored (6: lazily reached CommonJS packages left out; 8: zod locales but `en` left out, eager builtins re-exported once). */
const FORMAT = 8;
/** Bundles kept per environment besides the current one, and the age under which none is removed. */
const KEEP_OLDER = 2;
const KEEP_YOUNGER_THAN_MS = 60 * 60 * 1000;

/** A bundle ready for children: `serve-child --bundle <entry>`. */
export interface PreparedEntry {
  /** Absolute path of the bundle's entry module. */
  readonly entry: string;
  /** Reused from the cache (true) or built now. */
  readonly cached: boolean;
  /** The project's own source files (outside `node_modules`) with their stat, re-checked before spawns. */
  readonly ownSources: readonly SourceRecord[];
  /** How many files the bundle was built from. */
  readonly sourceCount: number;
}

/** What {@link prepareEntry} needs. */
export interface PrepareEntryOptions {
  /** Absolute path of the environment file. */
  file: string;
  /** The cache root, e.g. `<cwd>/.hud/cache`; bundles go to `<cacheDir>/local-runtime/`. */
  cacheDir: string;
  /** Packages lent to the file when it cannot resolve them (specifier → absolute module path). */
  fallbacks?: Readonly<Record<string, string>>;
}

/** `<cacheDir>/local-runtime/<key>/manifest.json`: what the current bundle of one environment was built from. */
interface Manifest {
  format: number;
  /** Directory of the bundle, beside the manifest. */
  bundle: string;
  entry: string;
  sources: SourceRecord[];
  lookups: PackageLookup[];
  packageRoots: string[];
}

const require = createRequire(import.meta.url);

function packageVersion(specifier: string): string {
  try {
    return (JSON.parse(readFileSync(require.resolve(specifier), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'unknown';
  }
}

const sha256 = (text: string | Uint8Array) => createHash('sha256').update(text).digest('hex');
const inNodeModules = (file: string) => file.split(path.sep).includes('node_modules');
const sameStat = (record: SourceRecord, stat: { size: number; mtimeMs: number; ctimeMs: number }) =>
  record.size === stat.size && record.mtimeMs === stat.mtimeMs && record.ctimeMs === stat.ctimeMs;

/** Writes `contents` to `file` through a temporary file and a rename, so readers never see half of it. */
function writeAtomically(file: string, contents: string): void {
  const temporary = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(temporary, contents);
  renameSync(temporary, file);
}

/**
 * Whether the sources still hold what was bundled: the same size and times, or else the same sha256 of
 * their contents (a `touch`, a checkout of identical bytes). Returns the records refreshed to their current
 * stat (null when something changed or is gone).
 */
function checkSources(sources: readonly SourceRecord[]): SourceRecord[] | null {
  const current: SourceRecord[] = [];
  for (const record of sources) {
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(record.path);
    } catch {
      return null;
    }
    if (sameStat(record, stat)) {
      current.push(record);
      continue;
    }
    if (stat.size !== record.size) return null;
    let bytes: Buffer;
    try {
      bytes = readFileSync(record.path);
    } catch {
      return null;
    }
    if (sha256(bytes) !== record.sha256) return null;
    current.push({ ...record, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs });
  }
  return current;
}

/**
 * True when one of the project's own files the entry was built from has a different size or times now (it
 * may have been edited): a cheap check before spawning, a few `stat`s.
 */
export function ownSourcesChanged(entry: PreparedEntry): boolean {
  for (const record of entry.ownSources) {
    try {
      if (!sameStat(record, statSync(record.path))) return true;
    } catch {
      return true;
    }
  }
  return false;
}

/** The cache key of everything but the sources: the file, what it is served with, and the tools' versions. */
function environmentKey(options: PrepareEntryOptions, serverModule: string): string {
  return sha256(
    JSON.stringify({
      format: FORMAT,
      file: options.file,
      serverModule,
      fallbacks: options.fallbacks ?? {},
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      esbuild: packageVersion('esbuild/package.json'),
      runtimesLocal: packageVersion('../package.json'),
      environment: packageVersion('@hud/environment/package.json'),
    }),
  ).slice(0, 24);
}

function readManifest(file: string): Manifest | undefined {
  try {
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    return manifest.format === FORMAT ? manifest : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The project's own files among the sources: outside `node_modules` and outside every package a bare
 * import found (a workspace package linked into `node_modules` resolves to its real directory).
 */
function ownSources(manifest: Manifest): SourceRecord[] {
  return manifest.sources.filter(
    (source) =>
      !inNodeModules(source.path) &&
      !manifest.packageRoots.some((root) => source.path.startsWith(root + path.sep)),
  );
}

function prepared(directory: string, manifest: Manifest, cached: boolean): PreparedEntry {
  const bundleDir = path.join(directory, manifest.bundle);
  try {
    // Marks the bundle as in use, for pruning.
    const now = new Date();
    utimesSync(bundleDir, now, now);
  } catch {}
  return {
    entry: path.join(bundleDir, manifest.entry),
    cached,
    ownSources: ownSources(manifest),
    sourceCount: manifest.sources.length,
  };
}

/** The cached bundle when its manifest, entry, sources and package lookups all still hold. */
function reuse(directory: string): PreparedEntry | undefined {
  const manifestFile = path.join(directory, 'manifest.json');
  const manifest = readManifest(manifestFile);
  if (!manifest) return undefined;
  try {
    statSync(path.join(directory, manifest.bundle, manifest.entry));
  } catch {
    return undefined;
  }
  const sources = checkSources(manifest.sources);
  if (!sources || !lookupsUnchanged(manifest.lookups)) return undefined;
  if (sources.some((source, index) => source !== manifest.sources[index])) {
    try {
      writeAtomically(manifestFile, JSON.stringify({ ...manifest, sources }));
    } catch {}
  }
  return prepared(directory, { ...manifest, sources }, true);
}

/**
 * Stores a bundle in `<directory>/<content hash>/` (written to a temporary directory, then renamed: a
 * concurrent job storing the same bundle keeps its own copy or finds this one, never half of one) and
 * points the manifest at it.
 */
function store(directory: string, bundle: EnvBundle): Manifest {
  const name = sha256(
    JSON.stringify([
      bundle.sources.map((source) => [source.path, source.sha256]),
      bundle.lookups,
      bundle.files.map((file) => [file.name, sha256(file.contents)]),
    ]),
  ).slice(0, 24);
  const target = path.join(directory, name);
  const temporary = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  mkdirSync(temporary, { recursive: true });
  try {
    for (const file of bundle.files) {
      mkdirSync(path.dirname(path.join(temporary, file.name)), { recursive: true });
      writeFileSync(path.join(temporary, file.name), file.contents);
    }
    try {
      renameSync(temporary, target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' && code !== 'ENOTEMPTY' && code !== 'EPERM') throw error;
      // Another process stored the same bundle first (identical by its name): use theirs.
    }
  } finally {
    rmSync(temporary, { recursive: true, force: true });
  }
  const manifest: Manifest = {
    format: FORMAT,
    bundle: name,
    entry: bundle.entry,
    sources: [...bundle.sources],
    lookups: [...bundle.lookups],
    packageRoots: [...bundle.packageRoots],
  };
  writeAtomically(path.join(directory, 'manifest.json'), JSON.stringify(manifest));
  return manifest;
}

/**
 * Removes this environment's older bundles and abandoned temporary files: keeps the current one, the
 * {@link KEEP_OLDER} most recently used others, and anything used in the last hour (a job still running
 * from it may load a lazy chunk).
 */
function prune(directory: string, current: string): void {
  const now = Date.now();
  const entries = readdirSync(directory, { withFileTypes: true })
    .filter((entry) => entry.name !== current && entry.name !== 'manifest.json')
    .map((entry) => {
      const full = path.join(directory, entry.name);
      try {
        return { full, temporary: entry.name.includes('.tmp-'), used: statSync(full).mtimeMs };
      } catch {
        return undefined;
      }
    })
    .filter((entry) => entry !== undefined)
    .sort((a, b) => b.used - a.used);
  let kept = 0;
  for (const entry of entries) {
    if (now - entry.used < KEEP_YOUNGER_THAN_MS) continue;
    if (!entry.temporary && kept < KEEP_OLDER) {
      kept++;
      continue;
    }
    rmSync(entry.full, { recursive: true, force: true });
  }
}

/** Where an environment's bundles and manifest live, and the `@hud/environment` the bundle serves with. */
function locate(options: PrepareEntryOptions): { directory: string; serverModule: string } {
  const serverModule = require.resolve('@hud/environment');
  const key = environmentKey(options, serverModule);
  return { directory: path.join(options.cacheDir, 'local-runtime', key), serverModule };
}

/**
 * The cached bundle for an environment file's children, when every file it was built from is unchanged:
 * synchronous, a `stat` per input (and a hash of those whose times moved), cheap enough to run before the
 * first spawn. The cache lives in `<cacheDir>/local-runtime/<key>/`; the key covers the file's path, the
 * fallbacks, the `@hud/environment` serve-child uses and the versions of Node, esbuild,
 * `@hud/environment` and this package; the manifest every input's size, times and sha256 (contents decide
 * when the times moved) and every bare import's package lookup.
 * @returns undefined on a miss (or an unreadable cache): {@link buildEntry} then.
 */
export function findEntry(options: PrepareEntryOptions): PreparedEntry | undefined {
  try {
    return reuse(locate(options).directory);
  } catch {
    return undefined;
  }
}

/**
 * Bundles the environment file with esbuild and stores the bundle as {@link findEntry} finds it.
 * @throws BundleRefusedError when the environment must not be bundled; esbuild's error when it does not
 *   bundle (a syntax error, an unresolvable import); a file system error when the cache is not writable.
 *   Callers serve the file unbundled instead.
 */
export async function buildEntry(options: PrepareEntryOptions): Promise<PreparedEntry> {
  const { directory, serverModule } = locate(options);
  const esbuild = await import('esbuild');
  const bundle = await bundleEnvironment(esbuild, {
    file: options.file,
    serverModule,
    fallbacks: options.fallbacks ?? {},
  });
  mkdirSync(directory, { recursive: true });
  const manifest = store(directory, bundle);
  try {
    prune(directory, manifest.bundle);
  } catch {}
  return prepared(directory, manifest, false);
}

/**
 * {@link findEntry}, else {@link buildEntry}.
 * @throws as {@link buildEntry}.
 */
export async function prepareEntry(options: PrepareEntryOptions): Promise<PreparedEntry> {
  return findEntry(options) ?? (await buildEntry(options));
}
