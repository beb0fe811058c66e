import type { JsonObject, SubScore } from '@hud/protocol';
import type OpenAI from 'openai';
import { errorSubScore } from './error-result.js';
import { GraderError } from './errors.js';
import { type GradeContext, Grader } from './grader.js';
import {
  JUDGE_SYSTEM_PROMPT,
  type JudgeCriterion,
  judgeUserPrompt,
  parseJudgeVerdict,
  rubricValue,
} from './judge-prompt.js';
import { importPeer } from './optional-peer.js';
import { answerText } from './python-text.js';
import { subscore } from './results.js';

/** Default judge model, hud-python 0.6.16 `LLMJudgeGrader.compute_score(model="claude-haiku-4-5")`. */
export const DEFAULT_JUDGE_MODEL = 'claude-haiku-4-5';

/** Default endpoint: the HUD inference gateway (hud-python `HUD_GATEWAY_URL` default, spec §7.3). */
export const DEFAULT_JUDGE_BASE_URL = 'https://inference.hud.ai';

/** `max_tokens` of every judge request, as hud-python 0.6.16. */
export const JUDGE_MAX_TOKENS = 1024;

/** A criterion: a requirement (weight 1) or a `[requirement, weight]` pair; a negative weight is a penalty. */
export type CriterionInput = string | readonly [requirement: string, weight: number];

/** Per-call parameters of {@link LLMJudgeGrader} (recorded in `info._parameters`). */
export interface LLMJudgeGraderParams {
  /** The response to judge; non-strings are converted as in `normalize` (`null`/`undefined` → `''`). */
  answer?: unknown;
  criteria?: readonly CriterionInput[] | null | undefined;
  /** The task prompt, sent as `<query>` when non-empty. */
  question?: string | undefined;
  /** Default {@link DEFAULT_JUDGE_MODEL}. */
  model?: string | undefined;
}

/** Construction options of {@link LLMJudgeGrader} (not recorded). */
export interface LLMJudgeGraderOptions {
  /** A ready client (anything with OpenAI's `chat.completions.create`); other options are then ignored. */
  client?: Pick<OpenAI, 'chat'> | undefined;
  /** OpenAI-compatible base URL (include `/v1` where the server needs it); default the HUD gateway. */
  baseURL?: string | undefined;
  /** API key sent as `Authorization: Bearer`; required unless `client` is given. */
  apiKey?: string | undefined;
  /** SDK retries per request (429, 5xx, connection errors); default 2. */
  maxRetries?: number | undefined;
  /** SDK timeout per request attempt, in milliseconds; default the SDK's (10 min). */
  timeoutMs?: number | undefined;
  /** Extra headers on every request (e.g. `Trace-Id`). */
  headers?: Readonly<Record<string, string>> | undefined;
}

function parseCriteria(criteria: readonly CriterionInput[] | null | undefined): JudgeCriterion[] {
  return (criteria ?? []).map((item, index) => {
    if (typeof item === 'string') return { requirement: item, weight: 1 };
    if (Array.isArray(item) && item.length === 2) {
      const [requirement, weight] = item;
      if (typeof weight === 'number' && Number.isFinite(weight)) {
        return { requirement: String(requirement), weight };
      }
    }
    throw new GraderError(
      'invalid_argument',
      `LLMJudgeGrader: criteria[${index}] must be a string or [requirement, finite weight]`,
    );
  });
}

function describeProviderError(error: unknown): { message: string; status: number | null } {
  if (!(error instanceof Error)) return { message: String(error), status: null };
  // The SDK's APIError carries the HTTP status (duck-typed: the SDK is loaded lazily).
  const raw = (error as { status?: unknown }).status;
  const status = typeof raw === 'number' ? raw : null;
  // The SDK's error classes keep name "Error"; their class name says what failed (InternalServerError, …).
  const kind =
    error.name === 'Error' && error.constructor.name ? error.constructor.name : error.name;
  let message = `${kind}: ${error.message}`;
  // Connection failures hide the errno (ECONNREFUSED, ENOTFOUND) a few causes deep.
  for (let cause = error.cause, depth = 0; cause && depth < 4; depth += 1) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') {
      message += ` (${code})`;
      break;
    }
    cause = (cause as { cause?: unknown }).cause;
  }
  return { message, status };
}

/**
 * Grades an answer against weighted criteria with an LLM judge (hud-python 0.6.16 `hud/graders/judge.py`):
 * one chat completion per criterion, all in parallel, through the official `openai` SDK against any
 * OpenAI-compatible endpoint (`max_tokens` 1024, messages `[system: JUDGE_SYSTEM_PROMPT, user: <prompt>]`).
 * Each verdict becomes a child `{name: requirement, value: 1|0, weight, info: {reason}}`; the value is the
 * rubric arithmetic of `rubricValue` and `info` is `{model}`. No criteria → value 0 with
 * `info.error = "no criteria provided"` (a real 0, as in hud-python).
 *
 * A provider failure on any criterion (HTTP error after retries, connection refused, a reply without
 * choices) yields an error sub-score (`isErrorResult()` true) whose `info.error` names the provider error
 * and `info.failures` lists `{criterion, error, status}` — hud-python raises instead.
 * @example
 * const judge = new LLMJudgeGrader({ apiKey: hudApiKey });
 * await judge.grade({ weight: 0.4, answer, question: prompt, criteria: ['Cites a source', ['Invents facts', -1]] });
 */
export class LLMJudgeGrader extends Grader<LLMJudgeGraderParams> {
  readonly name: string = 'LLMJudgeGrader';
  readonly #makeClient: () => Pick<OpenAI, 'chat'> | Promise<Pick<OpenAI, 'chat'>>;
  #client: Promise<Pick<OpenAI, 'chat'>> | undefined;

  /** @throws GraderError `invalid_argument` when neither `client` nor `apiKey` is given. */
  constructor(options: LLMJudgeGraderOptions) {
    super();
    const { client } = options;
    if (client) {
      this.#makeClient = () => client;
      return;
    }
    if (!options.apiKey) {
      throw new GraderError(
        'invalid_argument',
        'LLMJudgeGrader needs an apiKey (e.g. your HUD API key for the gateway) or a client',
      );
    }
    const apiKey = options.apiKey;
    // The SDK (an optional peer dependency) is imported at the first grade: loading it costs ~100 ms, which
    // every environment process that imports @hud/graders would otherwise pay at start-up, and users of
    // other graders need not install it.
    this.#makeClient = async () => {
      const { default: OpenAIClient } = await importPeer(
        'openai',
        'LLMJudgeGrader',
        () => import('openai'),
      );
      // baseURL and apiKey are always explicit so the SDK never falls back to OPENAI_* variables.
      return new OpenAIClient({
        apiKey,
        baseURL: options.baseURL ?? DEFAULT_JUDGE_BASE_URL,
        maxRetries: options.maxRetries ?? 2,
        ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
        ...(options.headers ? { defaultHeaders: { ...options.headers } } : {}),
      });
    };
  }

  /** The client, built once; a failed build (SDK not installed) is tried again at the next grade. */
  async #clientOnce(): Promise<Pick<OpenAI, 'chat'>> {
    this.#client ??= Promise.resolve(this.#makeClient());
    try {
      return await this.#client;
    } catch (error) {
      this.#client = undefined;
      throw error;
    }
  }

  /**
   * @throws GraderError `invalid_argument` for a malformed criterion; `not_available` when the `openai`
   *   package is not installed (`LLMJudgeGrader needs openai, which is not installed: npm install openai`);
   *   rejects with the abort reason when `signal` aborts.
   */
  protected async computeScore(
    params: LLMJudgeGraderParams,
    context: GradeContext,
  ): Promise<SubScore> {
    const criteria = parseCriteria(params.criteria);
    const model = params.model ?? DEFAULT_JUDGE_MODEL;
    if (criteria.length === 0) {
      return subscore({ name: this.name, value: 0, info: { error: 'no criteria provided' } });
    }
    const answer = answerText(params.answer);
    const question = params.question ?? '';
    // A missing SDK is a setup mistake, thrown once, not a provider failure per criterion.
    const client = await this.#clientOnce();
    const settled = await Promise.allSettled(
      criteria.map((criterion) =>
        this.#judge(client, criterion, { answer, question, model }, context),
      ),
    );
    context.signal?.throwIfAborted();
    const verdicts: SubScore[] = [];
    const failures: JsonObject[] = [];
    settled.forEach((outcome, index) => {
      if (outcome.status === 'fulfilled') {
        verdicts.push(outcome.value);
        return;
      }
      const { message, status } = describeProviderError(outcome.reason);
      failures.push({ criterion: criteria[index]?.requirement ?? '', error: message, status });
    });
    if (failures.length > 0) {
      return errorSubScore({
        name: this.name,
        message: `LLM judge request failed for ${failures.length} of ${criteria.length} criteria: ${String(failures[0]?.error)}`,
        info: { model, failures },
      });
    }
    return subscore({
      name: this.name,
      value: rubricValue(verdicts),
      children: verdicts,
      info: { model },
    });
  }

  async #judge(
    client: Pick<OpenAI, 'chat'>,
    criterion: JudgeCriterion,
    call: { answer: string; question: string; model: string },
    context: GradeContext,
  ): Promise<SubScore> {
    const response = await client.chat.completions.create(
      {
        model: call.model,
        max_tokens: JUDGE_MAX_TOKENS,
        messages: [
          { role: 'system', content: JUDGE_SYSTEM_PROMPT },
          { role: 'user', content: judgeUserPrompt(criterion, call.answer, call.question) },
        ],
      },
      context.signal ? { signal: context.signal } : undefined,
    );
    const choice = response.choices?.[0];
    if (!choice) {
      throw new GraderError('provider_error', 'judge reply has no choices');
    }
    const { met, reason } = parseJudgeVerdict(choice.message?.content ?? '');
    return subscore({
      name: criterion.requirement,
      value: met ? 1 : 0,
      weight: criterion.weight,
      info: { reason },
    });
  }
}
