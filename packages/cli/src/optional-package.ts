import { HudError } from '@hud/protocol';

/**
 * A command needs a package that is an optional peer dependency of `@hud/cli` and is not installed (the
 * runtime adapters and `@hud/harbor` are installed only by those who use them). The message names the
 * command, the package and the install line:
 * `hud eval --runtime docker needs @hud/runtimes-docker, which is not installed: npm install @hud/runtimes-docker`.
 */
export class MissingPackageError extends HudError {
  /** The package to install, e.g. `@hud/runtimes-docker`. */
  readonly packageName: string;
  /** What needed it, e.g. `hud eval --runtime docker`. */
  readonly command: string;

  constructor(packageName: string, command: string, options?: ErrorOptions) {
    super(
      'load_failed',
      `${command} needs ${packageName}, which is not installed: npm install ${packageName}`,
      options,
    );
    this.name = 'MissingPackageError';
    this.packageName = packageName;
    this.command = command;
  }
}

/** The package a bare specifier belongs to: `@hud/harbor/results` → `@hud/harbor`, `dockerode` → itself. */
export function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

/**
 * Whether `error` is the failure to find package `name` itself (not a module the package imports in turn:
 * a broken install of the package must show its own error). Node names the package
 * (`Cannot find package '@hud/harbor' imported from …`); some loaders name the whole specifier.
 */
function isMissing(error: unknown, name: string): boolean {
  if (!(error instanceof Error)) return false;
  if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') return false;
  const missing = /^Cannot find package '([^']+)'/.exec(error.message)?.[1];
  return missing !== undefined && packageOf(missing) === name;
}

/**
 * Imports an optional peer dependency of the CLI when a command needs it (never at start-up: `hud --help`
 * and the commands that do not need it run without it).
 * @param specifier the bare specifier to import, e.g. `@hud/runtimes-docker` or `@hud/harbor/results`.
 * @param command what needs it, for the message (`hud eval --runtime docker`, `hud build`).
 * @throws MissingPackageError (code `load_failed`) when the package is not installed; any other import
 *   failure (a module the package itself imports is missing, a syntax error) as thrown.
 * @example
 * const { DockerRuntime } = await loadOptional<typeof import('@hud/runtimes-docker')>(
 *   '@hud/runtimes-docker', 'hud eval --runtime docker');
 */
export async function loadOptional<T>(specifier: string, command: string): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    const name = packageOf(specifier);
    if (isMissing(error, name)) throw new MissingPackageError(name, command, { cause: error });
    throw error;
  }
}

/** The Docker runtime (`@hud/runtimes-docker`), for `command`. @throws MissingPackageError */
export const loadDockerRuntime = (command: string) =>
  loadOptional<typeof import('@hud/runtimes-docker')>('@hud/runtimes-docker', command);

/** The Kubernetes runtime (`@hud/runtimes-kubernetes`), for `command`. @throws MissingPackageError */
export const loadKubernetesRuntime = (command: string) =>
  loadOptional<typeof import('@hud/runtimes-kubernetes')>('@hud/runtimes-kubernetes', command);

/** The hosted runtime (`@hud/runtimes-hud`), for `command`. @throws MissingPackageError */
export const loadHudRuntime = (command: string) =>
  loadOptional<typeof import('@hud/runtimes-hud')>('@hud/runtimes-hud', command);

/** The E2B runtime (`@hud/runtimes-e2b`), for `command`. @throws MissingPackageError */
export const loadE2BRuntime = (command: string) =>
  loadOptional<typeof import('@hud/runtimes-e2b')>('@hud/runtimes-e2b', command);

/** The Daytona runtime (`@hud/runtimes-daytona`), for `command`. @throws MissingPackageError */
export const loadDaytonaRuntime = (command: string) =>
  loadOptional<typeof import('@hud/runtimes-daytona')>('@hud/runtimes-daytona', command);

/** The Modal runtime (`@hud/runtimes-modal`), for `command`. @throws MissingPackageError */
export const loadModalRuntime = (command: string) =>
  loadOptional<typeof import('@hud/runtimes-modal')>('@hud/runtimes-modal', command);

/** The Harbor loader and runtime (`@hud/harbor`), for `command`. @throws MissingPackageError */
export const loadHarbor = (command: string) =>
  loadOptional<typeof import('@hud/harbor')>('@hud/harbor', command);

/** Harbor's result writers (`@hud/harbor/results`), for `command`. @throws MissingPackageError */
export const loadHarborResults = (command: string) =>
  loadOptional<typeof import('@hud/harbor/results')>('@hud/harbor/results', command);
