import picomatch from 'picomatch';

/**
 * Paths never tracked (build output, caches, VCS internals, HUD state, native objects), verbatim from
 * hud-python 0.6.16 `DEFAULT_EXCLUDE_PATTERNS`. A pattern ending in `/` names a directory (anything under a
 * directory of that name is skipped); any other is an `fnmatch` glob on the file or directory name.
 */
export const DEFAULT_EXCLUDE_PATTERNS: readonly string[] = [
  'node_modules/',
  '.venv/',
  '__pycache__/',
  '*.pyc',
  '.cache/',
  '.npm/',
  '.git',
  '.hg',
  '.svn',
  '.jj',
  '.hud/',
  '*.so',
  '*.o',
  '*.a',
];

/**
 * Credential-shaped paths, tracked metadata-only: their content is never read, hashed or sent (the content
 * hash is `redacted:<size>:<mtime ns>`, the patch a placeholder, and they are left out of `snapshot`).
 * Verbatim from hud-python 0.6.16 `SECRET_DENY_PATTERNS`; same pattern syntax as
 * {@link DEFAULT_EXCLUDE_PATTERNS}.
 */
export const SECRET_PATTERNS: readonly string[] = [
  '.env',
  '.env.*',
  '.gitconfig',
  '.gitmodules',
  '*.pem',
  'id_*',
  '*_key',
  '*_key.*',
  'credentials',
  'credentials.*',
  '.netrc',
  '.git-credentials',
  '.ssh/',
  '.aws/',
];

/** A compiled pattern list (see {@link compilePatterns}). */
export interface PathMatcher {
  /** Whether `rel` (posix, relative to the root, no leading `/`) matches; `isDir` for directories. */
  matches(rel: string, isDir: boolean): boolean;
}

/**
 * Compiles hud-python `FileTracker._matches` patterns: `dir/` matches a directory named `dir` and anything
 * below one; other patterns are `fnmatch` globs (`*`, `?`, `[...]`, `[!...]`; dot files included, no braces
 * or extglobs) on the last path segment.
 */
export function compilePatterns(patterns: readonly string[]): PathMatcher {
  const dirNames: string[] = [];
  const globs: ((name: string) => boolean)[] = [];
  for (const pattern of patterns) {
    if (pattern.endsWith('/')) dirNames.push(pattern.replace(/\/+$/, ''));
    else globs.push(picomatch(pattern, { dot: true, nobrace: true, noextglob: true }));
  }
  return {
    matches(rel: string, isDir: boolean): boolean {
      const full = `/${rel}`;
      const name = full.slice(full.lastIndexOf('/') + 1);
      for (const dir of dirNames) {
        if ((isDir && name === dir) || full.includes(`/${dir}/`)) return true;
      }
      return globs.some((glob) => glob(name));
    },
  };
}

/**
 * The patterns of a root `.gitignore` as hud-python reads them: blank lines, comments and negations
 * (`!…`) dropped, a leading `/` stripped; each then matched tree-wide like the built-in excludes.
 */
export function gitignorePatterns(text: string): string[] {
  const patterns: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('!')) continue;
    patterns.push(line.replace(/^\/+/, ''));
  }
  return patterns;
}
