import {
  type Agent,
  type AgentContext,
  type AgentResult,
  errorMessage,
  type HudLogger,
  isoTimestamp,
  type JsonObject,
  type StopReason,
  type ToolCall,
  type Usage,
} from '@hud/protocol';
import { AgentError } from '../errors.js';
import { buildToolset } from '../tools/tool.js';
import type {
  HarnessIdentity,
  ModelAdapter,
  ModelTurn,
  ProviderEndpoint,
  ToolResultEntry,
} from './adapter.js';
import { autoResponder } from './auto-respond.js';
import type { Budget } from './budget.js';
import type { ModelAgentSpec } from './harness.js';
import { type LoopConfig, loopConfig } from './loop-config.js';
import { costUsd, MODEL_PRICES, type ModelPrice } from './pricing.js';
import { type RequestLimits, sharedRequestLimits } from './request-limits.js';
import { withRetries } from './retry.js';
import { GATEWAY_KEY, resolveEndpoint } from './routing.js';
import { executeToolCall, toolResult } from './tool-execution.js';

export type { ModelAgentSpec } from './harness.js';

/** Options of {@link ToolLoopAgent}. */
export interface ToolLoopAgentOptions {
  /** The model (`--model`); default the harness's. */
  model?: string | undefined;
  /** Agent config (`-c key=value`); the task's `agent_config` fills keys it does not set. */
  config?: Readonly<Record<string, unknown>> | undefined;
  /** Settings with keys and base URLs (the CLI: process env > ./.env > ~/.hud/.env). */
  settings?: Readonly<Record<string, string | undefined>> | undefined;
  /** A job budget every model call is added to (see `RunOptions.admit`). */
  budget?: Budget | undefined;
  /** Concurrency limits on model requests; default one process-wide set. */
  requestLimits?: RequestLimits | undefined;
  /** Prices for `cost_usd`; default {@link MODEL_PRICES}. */
  prices?: Readonly<Record<string, ModelPrice>> | undefined;
  logger?: HudLogger | undefined;
}

/** Finish reasons that mean the output was cut at the token limit (hud-python's `length` set). */
export const LENGTH_FINISH_REASONS: ReadonlySet<string> = new Set([
  'length',
  'max_output_tokens',
  'max_tokens',
  'MAX_TOKENS',
]);

/** Tool calls in a row that may throw (lost connections) before the run fails (hud-python: 3 SSH failures). */
export const MAX_CONSECUTIVE_TOOL_FAILURES = 3;

/** The message of a missing key (`missing_key`), naming the settings and suggesting `oracle`. */
export function missingKeyMessage(name: string, keyNames: readonly string[]): string {
  const keys = [...keyNames, GATEWAY_KEY];
  return `the ${name} agent needs an API key: set ${keys.join(' or ')} (in the environment, ./.env or ~/.hud/.env, or with \`hud set KEY=VALUE\`). To check your tasks offline, run them with the oracle agent.`;
}

/**
 * The provider-neutral tool loop behind every model agent (hud-python `ToolAgent`, spec §7.4), driving one
 * {@link ModelAdapter}: opens the capabilities the harness serves and builds its tools; then, up to
 * `maxSteps` model calls, records each response as an `agent` step (with usage and `cost_usd`) and runs its
 * tool calls one by one, each recorded as a `tool` step. Model calls are retried on 429/529/5xx and
 * connection resets (backoff with jitter, honouring `retry-after`) and limited per provider endpoint.
 * Stop reasons: `done` (no tool calls), `max_steps`, `length` (cut at the token limit), `timeout` (the
 * run's signal), and with `-c stop_on=…` `length`/`malformed_tool_call` even when tools were called.
 * The answer is the last response's text. Three tool calls in a row that throw (a lost connection) fail
 * the run. One instance serves concurrent runs.
 * @example
 * const agent = new ToolLoopAgent(new GeminiAdapter(), { settings: { GEMINI_API_KEY: key } });
 */
export class ToolLoopAgent implements Agent {
  readonly name: string;
  readonly model: string;
  readonly #spec: HarnessIdentity;
  readonly #load: () => Promise<ModelAdapter>;
  readonly #options: ToolLoopAgentOptions;
  readonly #settings: Readonly<Record<string, string | undefined>>;
  #adapter: Promise<ModelAdapter> | undefined;

  /**
   * `harness` is a loaded adapter or a spec whose harness loads on the first run.
   * @throws AgentError `missing_key` when no key reaches the provider; `invalid_config` for a bad setting.
   */
  constructor(harness: ModelAdapter | ModelAgentSpec, options: ToolLoopAgentOptions = {}) {
    this.#spec = harness;
    this.#load = 'start' in harness ? async () => harness : () => harness.load();
    this.#options = options;
    this.#settings = options.settings ?? {};
    this.name = this.#spec.name;
    const configured = options.config?.model;
    this.model =
      options.model ?? (typeof configured === 'string' ? configured : this.#spec.defaultModel);
    loopConfig(options.config ?? {});
    if (!this.#endpoint(undefined, options.config ?? {})) {
      throw new AgentError('missing_key', missingKeyMessage(this.name, this.#spec.keyNames));
    }
  }

  #endpoint(traceId: string | undefined, config: Readonly<Record<string, unknown>>) {
    return resolveEndpoint({
      keyNames: this.#spec.keyNames,
      settings: this.#settings,
      config,
      traceId,
      allowKeyless: this.#spec.keyless === true,
    });
  }

  /** The harness, loaded once. */
  adapter(): Promise<ModelAdapter> {
    this.#adapter ??= this.#load();
    return this.#adapter;
  }

  /** Runs one attempt; see the class. Provider errors that outlast the retries reject. */
  async run(context: AgentContext): Promise<AgentResult> {
    const adapter = await this.adapter();
    const config = { ...(context.task.agent_config ?? {}), ...(this.#options.config ?? {}) };
    const settings = loopConfig(config);
    const endpoint = this.#endpoint(context.traceId, config) as ProviderEndpoint;
    const { signal } = context;
    const tools = await buildToolset(context, adapter.toolProviders);
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    const conversation = adapter.start(
      {
        model: this.model,
        system: settings.systemPrompt,
        messages: context.promptMessages,
        tools,
        config,
      },
      endpoint,
    );
    const limitKey = `${adapter.name} ${endpoint.baseURL ?? 'default'}`;
    const limits = this.#options.requestLimits ?? sharedRequestLimits;
    const logger = this.#options.logger;
    const callModel = () =>
      withRetries(
        () =>
          limits.run(
            limitKey,
            settings.maxConcurrentRequests,
            () => conversation.next({ signal }),
            signal,
          ),
        {
          classify: (error) => adapter.classifyError(error),
          policy: settings.retry,
          signal,
          onRetry: (notice) =>
            logger?.debug(
              `${this.name}: model call failed (${notice.status ?? (notice.error as Error)?.message}); retry ${notice.attempt} in ${notice.delayMs} ms`,
            ),
        },
      );
    const autoRespond = settings.autoRespond
      ? autoResponder(
          resolveEndpoint({
            keyNames: [],
            settings: this.#settings,
            traceId: context.traceId,
          }),
          logger,
        )
      : undefined;

    let last: ModelTurn | undefined;
    let stopReason: StopReason = 'max_steps';
    let failures = 0;
    try {
      for (let step = 1; step <= context.maxSteps; step++) {
        const startedAt = isoTimestamp();
        const turn = await callModel();
        last = turn;
        this.#recordTurn(context, turn, startedAt);
        const stop = this.#stopAfter(turn, settings);
        if (stop === 'continue-if-asked') {
          if (autoRespond && turn.text.trim() !== '' && (await autoRespond(turn.text, signal))) {
            conversation.addUserText('CONTINUE');
            context.record({
              source: 'user',
              messages: [{ role: 'user', content: { type: 'text', text: 'CONTINUE' } }],
            });
            continue;
          }
          stopReason = LENGTH_FINISH_REASONS.has(turn.finishReason ?? '') ? 'length' : 'done';
          break;
        }
        if (stop) {
          stopReason = stop;
          break;
        }
        const results: ToolResultEntry[] = [];
        for (const call of turn.toolCalls) {
          const callStarted = isoTimestamp();
          const { output, thrown } = await executeToolCall(call, byName, {
            timeoutMs: settings.toolTimeoutMs,
            signal,
          });
          context.record({
            source: 'tool',
            started_at: callStarted,
            call: toolCallOf(call),
            result: toolResult(call, output),
          });
          results.push({ call, output });
          failures = thrown === undefined ? 0 : failures + 1;
          if (failures >= MAX_CONSECUTIVE_TOOL_FAILURES) {
            throw new Error(
              `${failures} tool calls failed in a row (last: ${call.name}: ${errorMessage(thrown)}); giving up on this run`,
              { cause: thrown },
            );
          }
        }
        conversation.addToolResults(results);
      }
    } catch (error) {
      if (!signal.aborted) throw error;
      stopReason = 'timeout';
    }
    return { answer: last?.text ?? '', stopReason };
  }

  /** What ends the loop after `turn`: a stop reason, `continue-if-asked` (no tool calls), or undefined. */
  #stopAfter(turn: ModelTurn, settings: LoopConfig): StopReason | 'continue-if-asked' | undefined {
    if (turn.toolCalls.length === 0) return 'continue-if-asked';
    if (settings.stopOn.has('length') && LENGTH_FINISH_REASONS.has(turn.finishReason ?? '')) {
      return 'length';
    }
    if (
      settings.stopOn.has('malformed_tool_call') &&
      turn.toolCalls.some((call) => typeof call.arguments === 'string')
    ) {
      return 'malformed_tool_call';
    }
    return undefined;
  }

  #recordTurn(context: AgentContext, turn: ModelTurn, startedAt: string): void {
    const usage: Usage = {
      prompt_tokens: turn.usage.prompt_tokens,
      completion_tokens: turn.usage.completion_tokens,
      cached_tokens: turn.usage.cached_tokens ?? 0,
      cost_usd: costUsd(turn.model || this.model, turn.usage, this.#options.prices),
      llm_call_count: 1,
    };
    this.#options.budget?.add(usage);
    context.record({
      source: 'agent',
      started_at: startedAt,
      content: turn.text,
      reasoning: turn.reasoning ?? null,
      tool_calls: turn.toolCalls.map(toolCallOf),
      done: turn.toolCalls.length === 0,
      finish_reason: turn.finishReason,
      model: turn.model || this.model,
      usage,
      ...(turn.sample ? { sample: turn.sample } : {}),
    });
  }
}

function toolCallOf(call: { id: string; name: string; arguments: JsonObject | string }): ToolCall {
  return { id: call.id, name: call.name, arguments: call.arguments };
}
