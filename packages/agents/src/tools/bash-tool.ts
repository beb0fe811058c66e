import type { JsonObject } from '@hud/protocol';
import { type AgentTool, errorOutput, textOutput } from './tool.js';
import type { WorkspaceShell } from './workspace-paths.js';

/** Default cap of a bash tool result: 32 KiB of text, the middle cut out and marked. */
export const DEFAULT_TOOL_OUTPUT_BYTES = 32 * 1024;
/** Default limit of one bash command: 120 s. */
export const DEFAULT_BASH_TOOL_TIMEOUT_MS = 120_000;

/** Options of {@link bashTool}. */
export interface BashToolOptions {
  /** Tool name (default `bash`). */
  name?: string;
  /** Limit of one command, ms (default {@link DEFAULT_BASH_TOOL_TIMEOUT_MS}); the model may ask for less. */
  timeoutMs?: number;
  /** Cap of the result text, bytes (default {@link DEFAULT_TOOL_OUTPUT_BYTES}). */
  maxOutputBytes?: number;
}

/** Input of the bash tool. */
export interface BashToolInput extends JsonObject {
  command?: string;
  /** Accepted for Claude's `bash_20250124` tool; every command already gets a fresh shell. */
  restart?: boolean;
  /** A shorter limit for this command, ms. */
  timeout_ms?: number;
}

/**
 * `text` cut to `maxBytes` of UTF-8 by removing the middle, marked with `…[truncated N bytes]…`
 * (hud-python keeps head and tail of long SSH output the same way, at 10 MiB).
 */
export function truncateMiddle(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  const half = Math.floor(maxBytes / 2);
  // Decoding a cut inside a UTF-8 sequence yields U+FFFD at the seam, which is acceptable in a marker.
  const head = bytes.subarray(0, half).toString('utf8');
  const tail = bytes.subarray(bytes.length - half).toString('utf8');
  return `${head}\n…[truncated ${bytes.length - 2 * half} bytes]…\n${tail}`;
}

/**
 * The `bash` tool over an `ssh/2` workspace: runs a command in a fresh login shell in the workspace
 * directory and reports `$ <command>`, stdout, stderr and the exit code (hud-python 0.6.16 `SSHTool.bash`
 * format, spec §7.4); `isError` when the exit code is not 0 or the command timed out (its process tree is
 * killed).
 */
export function bashTool(
  shell: WorkspaceShell,
  options: BashToolOptions = {},
): AgentTool<BashToolInput> {
  const name = options.name ?? 'bash';
  const limitMs = options.timeoutMs ?? DEFAULT_BASH_TOOL_TIMEOUT_MS;
  const maxBytes = options.maxOutputBytes ?? DEFAULT_TOOL_OUTPUT_BYTES;
  return {
    name,
    description:
      'Run a bash command in the workspace (a fresh login shell in the workspace directory each time; ' +
      'state such as `cd` or variables does not carry over). Returns stdout, stderr and the exit code. ' +
      `Commands are killed after ${Math.round(limitMs / 1000)} s.`,
    inputSchema: {
      type: 'object',
      properties: {
        command: { type: 'string', description: 'The bash command to run.' },
        restart: { type: 'boolean', description: 'Not needed: every command starts fresh.' },
        timeout_ms: { type: 'integer', minimum: 1, description: 'A shorter time limit, ms.' },
      },
      required: [],
    },
    async run(input, runOptions = {}) {
      if (input.restart === true && typeof input.command !== 'string') {
        return textOutput('restart is unnecessary; each command runs in a fresh shell session');
      }
      if (typeof input.command !== 'string' || input.command.trim() === '') {
        return errorOutput(`${name}: 'command' must be a non-empty string`);
      }
      const timeoutMs =
        typeof input.timeout_ms === 'number' && input.timeout_ms > 0
          ? Math.min(input.timeout_ms, limitMs)
          : limitMs;
      const result = await shell.exec(input.command, {
        timeoutMs,
        signal: runOptions.signal,
        // Keep more than the tool shows so the middle cut still has a tail to show.
        maxOutputBytes: Math.max(maxBytes * 64, 1024 * 1024),
      });
      let text = `$ ${input.command}\n${result.stdout}`;
      if (result.stderr !== '') text += `\nstderr:\n${result.stderr}`;
      if (result.timedOut) {
        const seconds = Math.round(timeoutMs / 100) / 10;
        return errorOutput(
          truncateMiddle(
            `${name} timed out after ${seconds}s; retry with a shorter command\n${text}`,
            maxBytes,
          ),
        );
      }
      text += `\n(exit ${result.exitCode})`;
      return textOutput(truncateMiddle(text, maxBytes), { isError: result.exitCode !== 0 });
    },
  };
}
