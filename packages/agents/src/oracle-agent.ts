import {
  type Agent,
  type AgentContext,
  type AgentResult,
  HudError,
  isoTimestamp,
  ProtocolError,
  type SolveToolCall,
  type StopReason,
  type ToolCall,
} from '@hud/protocol';
import { AgentError } from './errors.js';
import { DEFAULT_TOOL_TIMEOUT_SECONDS } from './model/loop-config.js';
import { executeToolCall, toolResult } from './model/tool-execution.js';
import { browserToolProvider } from './tools/browser-tools.js';
import { computerToolProvider } from './tools/computer-tool.js';
import { mcpToolProvider } from './tools/mcp-tools.js';
import { sshToolProvider } from './tools/ssh-tools.js';
import { type AgentTool, buildToolset, type ToolProvider } from './tools/tool.js';

/** Options of {@link OracleAgent}. */
export interface OracleAgentOptions {
  /**
   * The providers a tool solution's calls run through, in the order they are opened; default the generic
   * ones a model agent gets (`sshToolProvider()`, `computerToolProvider()`, `browserToolProvider`,
   * `mcpToolProvider`, as the OpenAI responses harness lists them).
   */
  toolProviders?: readonly ToolProvider[] | undefined;
  /** Time limit of one tool call, milliseconds; default {@link DEFAULT_TOOL_TIMEOUT_SECONDS} × 1000. */
  toolTimeoutMs?: number | undefined;
}

/** The generic tool providers, in the OpenAI responses harness's order. */
function genericProviders(): ToolProvider[] {
  return [sshToolProvider(), computerToolProvider(), browserToolProvider, mcpToolProvider];
}

/**
 * The `oracle` agent: asks the environment for the template's reference solution (`tasks.solve`, a hud-ts
 * extension that runs the solution inside the substrate) and answers with it. Proves every task solvable.
 *
 * A solution made with `solveWithTools` (`@hud/environment`) answers with `tool_calls` too: the oracle then
 * makes each call through the same tools a model agent gets, opening a provider's capabilities only while
 * some called tool is still missing (a `bash`-only solution never opens a screen or a browser), and records
 * them as a model agent's are: per call an agent step with `tool_calls: [call]` (ids `oracle_1`, `oracle_2`,
 * …) and a `tool` step with the call and its result; then the final agent step with the answer. A call
 * answering `isError` is recorded and the oracle goes on: the grade decides.
 */
export class OracleAgent implements Agent {
  readonly name = 'oracle';
  readonly #options: OracleAgentOptions;

  constructor(options: OracleAgentOptions = {}) {
    this.#options = options;
  }

  /**
   * @throws AgentError `no_solution` when the environment has no reference solutions (a Python server, or a
   *   template without `solution`), or when a tool solution calls a tool the environment's capabilities do
   *   not offer (naming the tool and the task); the errors of `HudClient.open` for a capability that fails
   *   to open.
   */
  async run(context: AgentContext): Promise<AgentResult> {
    let answer: unknown;
    let calls: SolveToolCall[] | undefined;
    try {
      ({ answer, tool_calls: calls } = await context.client.solve());
    } catch (error) {
      const serverMessage = ProtocolError.isInstance(error)
        ? error.rpcMessage
        : ProtocolError.isInstance((error as Error)?.cause)
          ? ((error as Error).cause as ProtocolError).rpcMessage
          : '';
      if (/has no reference solution/.test(serverMessage)) {
        // A hud-ts server without a solution for this template (it answers -32601 with this text).
        throw new AgentError('no_solution', `task '${context.task.slug}': ${serverMessage}`, {
          cause: error,
        });
      }
      if (HudError.isInstance(error) && error.code === 'unsupported') {
        throw new AgentError(
          'no_solution',
          `the oracle agent needs reference solutions, and environment '${context.task.env}' has none (it does not implement tasks.solve)`,
          { cause: error },
        );
      }
      throw error;
    }
    // Only a tool solution awaits more: a plain answer costs one round trip, as ever.
    if (
      calls !== undefined &&
      calls.length > 0 &&
      (await this.#act(context, calls)) === 'timeout'
    ) {
      return { answer: '', stopReason: 'timeout' };
    }
    const text = typeof answer === 'string' ? answer : JSON.stringify(answer);
    context.record({ source: 'agent', content: text, done: true, extra: { oracle: true } });
    return { answer: text, stopReason: 'done' };
  }

  /**
   * Makes a tool solution's calls, recording each; `timeout` when the run's signal aborted on the way
   * (as the tool loop, which then stops without an answer).
   */
  async #act(
    context: AgentContext,
    calls: readonly SolveToolCall[],
  ): Promise<StopReason | undefined> {
    const tools = await this.#toolsFor(context, calls);
    const timeoutMs = this.#options.toolTimeoutMs ?? DEFAULT_TOOL_TIMEOUT_SECONDS * 1000;
    try {
      for (const [index, solved] of calls.entries()) {
        const call: ToolCall = {
          id: `oracle_${index + 1}`,
          name: solved.name,
          arguments: solved.arguments,
        };
        const startedAt = isoTimestamp();
        context.record({
          source: 'agent',
          started_at: startedAt,
          tool_calls: [call],
          done: false,
          extra: { oracle: true },
        });
        const callStarted = isoTimestamp();
        const { output } = await executeToolCall(call, tools, {
          timeoutMs,
          signal: context.signal,
        });
        context.record({
          source: 'tool',
          started_at: callStarted,
          call,
          result: toolResult(call, output),
        });
      }
    } catch (error) {
      if (!context.signal.aborted) throw error;
      return 'timeout';
    }
    return undefined;
  }

  /**
   * The tools the calls name, opening the providers in order only while one is still missing.
   * @throws AgentError `no_solution` naming the first call whose tool no opened provider offers.
   */
  async #toolsFor(
    context: AgentContext,
    calls: readonly SolveToolCall[],
  ): Promise<Map<string, AgentTool>> {
    const missing = new Set(calls.map((call) => call.name));
    const tools = new Map<string, AgentTool>();
    for (const provider of this.#options.toolProviders ?? genericProviders()) {
      if (missing.size === 0) break;
      for (const tool of await buildToolset(context, [provider])) {
        // A later provider's tool of a taken name is left out (a model agent's toolset refuses both).
        if (tools.has(tool.name)) continue;
        tools.set(tool.name, tool);
        missing.delete(tool.name);
      }
    }
    const [unknown] = missing;
    if (unknown !== undefined) {
      const offered = [...tools.keys()].join(', ') || 'none';
      throw new AgentError(
        'no_solution',
        `task '${context.task.slug}': the reference solution calls the tool '${unknown}', which the environment's capabilities do not offer (tools: ${offered})`,
      );
    }
    return tools;
  }
}
