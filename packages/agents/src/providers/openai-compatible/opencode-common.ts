import { SshCommandError } from '@hud/protocol';
import { errorOutput, type ToolOutput } from '../../tools/tool.js';
import {
  type ResolvedPath,
  WorkspacePathError,
  type WorkspacePaths,
} from '../../tools/workspace-paths.js';

/** Lines longer than this are cut in `read` and `grep` output (OpenCode's `MAX_LINE_LENGTH`). */
export const MAX_LINE_LENGTH = 2000;

/** `line` cut to {@link MAX_LINE_LENGTH} characters, marked with `...`. */
export function clipLine(line: string): string {
  return line.length > MAX_LINE_LENGTH ? `${line.slice(0, MAX_LINE_LENGTH)}...` : line;
}

/** A string argument, or an error result naming it. */
export function requireString(
  tool: string,
  input: Record<string, unknown>,
  key: string,
  options: { allowEmpty?: boolean } = {},
): string | ToolOutput {
  const value = input[key];
  if (typeof value !== 'string' || (value === '' && options.allowEmpty !== true)) {
    return errorOutput(
      `${tool}: '${key}' must be a${options.allowEmpty ? '' : ' non-empty'} string`,
    );
  }
  return value;
}

/** An optional whole-number argument, or an error result naming it. */
export function optionalInteger(
  tool: string,
  input: Record<string, unknown>,
  key: string,
  minimum: number,
): number | undefined | ToolOutput {
  const value = input[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
    return errorOutput(`${tool}: '${key}' must be a whole number ≥ ${minimum}`);
  }
  return value;
}

/** True for an error result returned in place of a value. */
export function isOutput(value: unknown): value is ToolOutput {
  return typeof value === 'object' && value !== null && 'content' in value;
}

/**
 * `requested` resolved inside the workspace, or an error result when it leaves it (lexically or through a
 * symlink) or cannot be resolved.
 */
export async function resolveInside(
  paths: WorkspacePaths,
  requested: string,
  signal: AbortSignal | undefined,
): Promise<ResolvedPath | ToolOutput> {
  try {
    return await paths.resolve(requested, signal);
  } catch (error) {
    if (error instanceof WorkspacePathError) return errorOutput(error.message);
    throw error;
  }
}

/**
 * Runs `action`, turning a failed remote file command (`cat`, `ls`: permissions, a file that vanished)
 * into an error result the model can act on; other failures (a lost connection) reject.
 */
export async function remoteFileErrors(action: () => Promise<ToolOutput>): Promise<ToolOutput> {
  try {
    return await action();
  } catch (error) {
    if (SshCommandError.isInstance(error)) return errorOutput(error.message);
    throw error;
  }
}
