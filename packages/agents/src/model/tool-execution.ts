import { errorMessage, type ToolResult } from '@hud/protocol';
import { type AgentTool, errorOutput, type ToolOutput } from '../tools/tool.js';
import type { ModelToolCall } from './adapter.js';

/** The corrective result for a call whose arguments did not parse as a JSON object. */
export function malformedArgumentsMessage(name: string): string {
  return (
    `the arguments for this '${name}' call arrived incomplete or invalid JSON (not a JSON object), ` +
    'so the tool did not run. Re-issue the call in full, with all arguments as one valid JSON object.'
  );
}

class ToolTimeout extends Error {}

/** The answer to one tool call, and the error when the tool itself failed (threw). */
export interface ToolExecution {
  output: ToolOutput;
  /** What the tool threw (a lost connection…); undefined when it answered, even with `isError`. */
  thrown?: unknown;
}

/**
 * Runs one tool call for the loop (hud-python `ToolAgent`, spec §7.4) and always answers: string
 * arguments → a corrective error; an unknown name → `unknown tool: 'x'`; past `timeoutMs` → `<name> timed
 * out after Ns; retry with a shorter command` (the tool's signal aborts); a throwing tool → `tool error:
 * <message>` (and `thrown` set). Every error result has `isError`.
 * @throws `signal.reason` when the run's signal aborts (the run is over; nothing to answer).
 */
export async function executeToolCall(
  call: ModelToolCall,
  tools: ReadonlyMap<string, AgentTool>,
  options: { timeoutMs: number; signal: AbortSignal },
): Promise<ToolExecution> {
  const { signal } = options;
  signal.throwIfAborted();
  if (typeof call.arguments === 'string') {
    return { output: errorOutput(malformedArgumentsMessage(call.name)) };
  }
  const tool = tools.get(call.name);
  if (!tool) return { output: errorOutput(`unknown tool: '${call.name}'`) };
  const limit = new AbortController();
  const toolSignal = AbortSignal.any([signal, limit.signal]);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new ToolTimeout(`${call.name} timed out`);
      limit.abort(error);
      reject(error);
    }, options.timeoutMs);
  });
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  // A tool that ignores its signal is left behind: the loop answers and moves on.
  const running = tool.run(call.arguments, { signal: toolSignal });
  running.catch(() => {});
  expired.catch(() => {});
  aborted.catch(() => {});
  try {
    return { output: await Promise.race([running, expired, aborted]) };
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (error instanceof ToolTimeout || limit.signal.aborted) {
      const seconds = Math.round(options.timeoutMs / 100) / 10;
      return {
        output: errorOutput(
          `${call.name} timed out after ${seconds}s; retry with a shorter command`,
        ),
      };
    }
    return { output: errorOutput(`tool error: ${errorMessage(error)}`), thrown: error };
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/** A {@link ToolOutput} as a trace `result` (MCP `CallToolResult` + `call_id`). */
export function toolResult(call: ModelToolCall, output: ToolOutput): ToolResult {
  const result: ToolResult = {
    content: output.content,
    isError: output.isError === true,
    call_id: call.id,
  };
  if (output.structuredContent) result.structuredContent = output.structuredContent;
  return result;
}
