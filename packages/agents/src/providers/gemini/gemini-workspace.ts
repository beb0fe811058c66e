import path from 'node:path';
import { type JsonObject, shellQuote } from '@hud/protocol';
import { errorOutput, type ToolOutput } from '../../tools/tool.js';
import {
  type ResolvedPath,
  WorkspacePaths,
  type WorkspaceShell,
} from '../../tools/workspace-paths.js';

/** A mistake in the model's input to a Gemini workspace tool: answered as an error result. */
export class ToolInputError extends Error {}

/** `input[key]` as a non-empty string. @throws ToolInputError otherwise. */
export function requiredString(input: JsonObject, key: string): string {
  const value = input[key];
  if (typeof value !== 'string' || value === '') {
    throw new ToolInputError(`'${key}' must be a non-empty string`);
  }
  return value;
}

/** `input[key]` as a string, undefined when absent, null or empty. @throws ToolInputError for other types. */
export function optionalString(input: JsonObject, key: string): string | undefined {
  const value = input[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new ToolInputError(`'${key}' must be a string`);
  return value;
}

/** `input[key]` as a 1-based line number, undefined when absent. @throws ToolInputError otherwise. */
export function optionalLine(input: JsonObject, key: string): number | undefined {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ToolInputError(`'${key}' must be a whole number ≥ 1`);
  }
  return value;
}

/**
 * Runs one Gemini tool: input mistakes, paths outside the workspace and failed remote file commands are
 * error results; anything else (a lost connection, an abort) rejects.
 */
export async function guarded(name: string, body: () => Promise<ToolOutput>): Promise<ToolOutput> {
  try {
    return await body();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (error instanceof ToolInputError) return errorOutput(`${name}: ${error.message}`);
    if (code === 'path_outside_workspace' || code === 'command_failed') {
      return errorOutput((error as Error).message);
    }
    throw error;
  }
}

/** A shell whose commands run in `cwd` (the binding's methods, bound: `WorkspaceShell` may be a class). */
export function shellIn(shell: WorkspaceShell, cwd: string): WorkspaceShell {
  return {
    cwd,
    exec: (command, options = {}) => shell.exec(command, { ...options, cwd }),
    readText: (file, options) => shell.readText(file, options),
    writeText: (file, text, options) => shell.writeText(file, text, options),
  };
}

/** One workspace as the Gemini tools use it: the shell, paths confined to it, and the output cap. */
export class GeminiWorkspace {
  readonly shell: WorkspaceShell;
  readonly paths: WorkspacePaths;
  /** Cap of a result's text, bytes. */
  readonly maxBytes: number;

  constructor(shell: WorkspaceShell, maxBytes: number) {
    this.shell = shell;
    this.paths = new WorkspacePaths(shell);
    this.maxBytes = maxBytes;
  }

  /** `requested` resolved inside the workspace. @throws WorkspacePathError when it leaves it. */
  resolve(requested: string, signal: AbortSignal | undefined): Promise<ResolvedPath> {
    return this.paths.resolve(requested, signal);
  }

  /** An existing directory inside the workspace (default: its root). @throws ToolInputError otherwise. */
  async directory(
    requested: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<ResolvedPath> {
    const target =
      requested === undefined
        ? { path: await this.paths.root(signal), kind: 'directory' as const }
        : await this.resolve(requested, signal);
    if (target.kind !== 'directory') {
      throw new ToolInputError(
        target.kind === 'missing'
          ? `${target.path} does not exist`
          : `${target.path} is not a directory`,
      );
    }
    return target;
  }

  /** Writes `content` to `target`, creating its parent directories. */
  async writeFile(target: ResolvedPath, content: string, signal?: AbortSignal): Promise<void> {
    const parent = path.posix.dirname(target.path);
    const made = await this.shell.exec(`mkdir -p -- ${shellQuote(parent)}`, { signal });
    if (made.exitCode !== 0) {
      throw new ToolInputError(`cannot create ${parent}: ${made.stderr.trim()}`);
    }
    await this.shell.writeText(target.path, content, { signal });
  }
}
