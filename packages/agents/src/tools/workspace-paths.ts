import path from 'node:path';
import { type SshClient, shellQuote } from '@hud/protocol';

/** What the workspace tools need from an `ssh/2` client. */
export type WorkspaceShell = Pick<SshClient, 'exec' | 'readText' | 'writeText' | 'cwd'>;

/** What a path names, as seen on the workspace. */
export type PathKind = 'file' | 'directory' | 'other' | 'missing';

/** A path inside the workspace: canonical (symlinks resolved) and what it names. */
export interface ResolvedPath {
  /** Absolute and canonical (`realpath -m`), inside the workspace directory. */
  path: string;
  kind: PathKind;
}

/** A tool path the model gave that leaves the workspace, or cannot be used as a path. */
export class WorkspacePathError extends Error {
  readonly code = 'path_outside_workspace';
  constructor(message: string) {
    super(message);
    this.name = 'WorkspacePathError';
  }
}

function inside(root: string, candidate: string): boolean {
  const relative = path.posix.relative(root, candidate);
  return (
    relative === '' ||
    (!relative.startsWith('../') && relative !== '..' && !path.posix.isAbsolute(relative))
  );
}

/**
 * Confines tool paths to the workspace directory (`params.cwd` of the binding): relative paths start there;
 * a path that leaves it — lexically (`../../etc/passwd`, `/etc/passwd`) or through a symlink that resolves
 * outside — is refused. One remote round trip per path (`realpath -m` and a type test).
 */
export class WorkspacePaths {
  readonly #shell: WorkspaceShell;
  #root: Promise<string> | undefined;

  constructor(shell: WorkspaceShell) {
    this.#shell = shell;
  }

  /** The canonical workspace directory (the binding's `cwd`, else the login directory). */
  root(signal?: AbortSignal): Promise<string> {
    this.#root ??= (async () => {
      const where = this.#shell.cwd ?? '.';
      const result = await this.#shell.exec(`realpath -m -- ${shellQuote(where)}`, { signal });
      const root = result.stdout.replace(/\n$/, '');
      if (result.exitCode !== 0 || !root.startsWith('/')) {
        throw new Error(`cannot resolve the workspace directory: ${result.stderr.trim()}`);
      }
      return root;
    })();
    this.#root.catch(() => {
      this.#root = undefined;
    });
    return this.#root;
  }

  /**
   * Resolves `requested` inside the workspace.
   * @throws WorkspacePathError when it is empty, holds a newline or NUL, or leaves the workspace.
   */
  async resolve(requested: string, signal?: AbortSignal): Promise<ResolvedPath> {
    if (requested.trim() === '' || /[\n\0]/.test(requested)) {
      throw new WorkspacePathError(`invalid path: ${JSON.stringify(requested)}`);
    }
    const root = await this.root(signal);
    const lexical = path.posix.resolve(root, requested);
    if (!inside(root, lexical)) {
      throw new WorkspacePathError(
        `path ${requested} is outside the workspace (${root}); use a path inside it`,
      );
    }
    const quoted = shellQuote(lexical);
    const script = [
      `r=$(realpath -m -- ${quoted}) || exit 1`,
      `printf '%s\\n' "$r"`,
      `if [ -d "$r" ]; then echo directory; elif [ -f "$r" ]; then echo file; elif [ -e "$r" ]; then echo other; else echo missing; fi`,
    ].join('\n');
    const result = await this.#shell.exec(script, { signal });
    const [canonical, kind] = result.stdout.split('\n');
    if (result.exitCode !== 0 || canonical === undefined || !canonical.startsWith('/')) {
      throw new WorkspacePathError(`cannot resolve ${requested}: ${result.stderr.trim()}`);
    }
    if (!inside(root, canonical)) {
      throw new WorkspacePathError(
        `path ${requested} resolves outside the workspace (${root}) through a symlink; use a path inside it`,
      );
    }
    return { path: canonical, kind: (kind as PathKind | undefined) ?? 'missing' };
  }
}
