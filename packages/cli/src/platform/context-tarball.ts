import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createGzip } from 'node:zlib';
import dockerignore from '@balena/dockerignore';
import { pack } from 'tar-fs';

/**
 * Paths never sent: version control, installed packages and caches (hud-python's deploy leaves caches out
 * too), and `.hud/` state other than the `hud build` bundle in `.hud/build/`.
 */
const ALWAYS_EXCLUDED = ['.git', 'node_modules', '__pycache__', '.venv', '.pytest_cache'];

/** Options of {@link contextTarball}. */
export interface ContextTarballOptions {
  /** The Dockerfile (relative): always sent, as `docker build` does, whatever `.dockerignore` says. */
  dockerfile: string;
}

/** `.dockerignore` lines of `dir` (blank lines and comments dropped). */
function ignoreLines(dir: string): string[] {
  const file = path.join(dir, '.dockerignore');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/**
 * A predicate over `/`-separated paths relative to `dir`: true for what the context leaves out, with
 * `.dockerignore` read by `@balena/dockerignore` (Docker's own matching rules, `!` exceptions included).
 * A folder is kept (and pruned file by file) while an exception may name something inside it.
 */
export function contextIgnore(dir: string, dockerfile: string): (relative: string) => boolean {
  const lines = ignoreLines(dir);
  // A CommonJS module whose types declare a default export: the factory is `.default` here (it sets both).
  const matcher = dockerignore.default({ ignorecase: false }).add(lines);
  const exceptions = lines.filter((line) => line.startsWith('!')).map((line) => line.slice(1));
  return (relative) => {
    if (relative === '' || relative === '.') return false;
    if (relative === dockerfile || relative === '.dockerignore') return false;
    const parts = relative.split('/');
    if (parts.some((part) => ALWAYS_EXCLUDED.includes(part))) return true;
    if (parts[0] === '.hud' && parts.length > 1 && parts[1] !== 'build') return true;
    if (!matcher.ignores(relative)) return false;
    const holdsException = exceptions.some(
      (exception) => exception.startsWith(`${relative}/`) || exception.startsWith('**'),
    );
    return !(holdsException || dockerfile.startsWith(`${relative}/`));
  };
}

/**
 * The build context of `dir` as a gzip-compressed tar (what `POST /v2/builds/upload-url`'s URL takes):
 * files and empty folders relative to `dir`, owner 0:0, minus what {@link contextIgnore} leaves out.
 * @throws the file system's error for an unreadable file.
 */
export async function contextTarball(dir: string, options: ContextTarballOptions): Promise<Buffer> {
  const root = path.resolve(dir);
  const ignored = contextIgnore(root, options.dockerfile);
  const tar = pack(root, {
    ignore: (name: string) => ignored(path.relative(root, name).split(path.sep).join('/')),
    map: (header) => ({ ...header, uid: 0, gid: 0, uname: '', gname: '' }),
  });
  const chunks: Buffer[] = [];
  const gzip = createGzip();
  gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
  await new Promise<void>((resolve, reject) => {
    tar.on('error', reject);
    gzip.on('error', reject);
    gzip.on('end', resolve);
    tar.pipe(gzip);
  });
  return Buffer.concat(chunks);
}
