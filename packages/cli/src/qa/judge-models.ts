import { modelAgentInfo, type ProviderEndpoint, resolveEndpoint } from '@hud/agents';
import { loadOptional } from '../optional-package.js';
import { QaError } from './errors.js';
import type { JudgeAnswer, JudgeMessage, JudgeModel } from './judge.js';

/** The harnesses a judge can run on (the same names as `hud eval`'s model agents). */
export const JUDGE_AGENTS = ['claude', 'openai', 'openai_compatible'] as const;
/** A judge harness name. */
export type JudgeAgent = (typeof JUDGE_AGENTS)[number];

/** Longest judge reply, tokens. */
const JUDGE_MAX_TOKENS = 2_048;

type Request = { system: string; messages: readonly JudgeMessage[] };

async function anthropicJudge(endpoint: ProviderEndpoint, model: string): Promise<JudgeModel> {
  const { default: Anthropic } = await loadOptional<typeof import('@anthropic-ai/sdk')>(
    '@anthropic-ai/sdk',
    'hud qa with --agent claude',
  );
  const client = new Anthropic({
    apiKey: endpoint.apiKey,
    baseURL: endpoint.baseURL ?? null,
    defaultHeaders: { ...endpoint.headers },
    maxRetries: 0, // judgeTrace retries, honouring retry-after
  });
  return {
    model,
    async complete(request: Request, signal?: AbortSignal): Promise<JudgeAnswer> {
      const message = await client.messages.create(
        {
          model,
          max_tokens: JUDGE_MAX_TOKENS,
          system: request.system,
          messages: request.messages.map((entry) => ({ role: entry.role, content: entry.content })),
        },
        signal ? { signal } : undefined,
      );
      const text = message.content
        .map((block) => (block.type === 'text' ? block.text : ''))
        .join('');
      return { text, refused: message.stop_reason === 'refusal' };
    },
  };
}

async function openAIClient(endpoint: ProviderEndpoint, agent: JudgeAgent) {
  const { default: OpenAI } = await loadOptional<typeof import('openai')>(
    'openai',
    `hud qa with --agent ${agent}`,
  );
  return new OpenAI({
    apiKey: endpoint.apiKey,
    ...(endpoint.baseURL !== undefined ? { baseURL: endpoint.baseURL } : {}),
    defaultHeaders: { ...endpoint.headers },
    maxRetries: 0,
  });
}

async function responsesJudge(endpoint: ProviderEndpoint, model: string): Promise<JudgeModel> {
  const client = await openAIClient(endpoint, 'openai');
  return {
    model,
    async complete(request: Request, signal?: AbortSignal): Promise<JudgeAnswer> {
      const response = await client.responses.create(
        {
          model,
          instructions: request.system,
          input: request.messages.map((entry) => ({ role: entry.role, content: entry.content })),
          max_output_tokens: JUDGE_MAX_TOKENS,
          store: false,
        },
        signal ? { signal } : undefined,
      );
      const refusal = response.output.some(
        (item) => item.type === 'message' && item.content.some((part) => part.type === 'refusal'),
      );
      const filtered = response.incomplete_details?.reason === 'content_filter';
      return { text: response.output_text ?? '', refused: refusal || filtered };
    },
  };
}

async function chatJudge(endpoint: ProviderEndpoint, model: string): Promise<JudgeModel> {
  const client = await openAIClient(endpoint, 'openai_compatible');
  return {
    model,
    async complete(request: Request, signal?: AbortSignal): Promise<JudgeAnswer> {
      const completion = await client.chat.completions.create(
        {
          model,
          max_tokens: JUDGE_MAX_TOKENS,
          messages: [
            { role: 'system', content: request.system },
            ...request.messages.map((entry) => ({ role: entry.role, content: entry.content })),
          ],
        },
        signal ? { signal } : undefined,
      );
      const choice = completion.choices[0];
      const refused =
        Boolean(choice?.message.refusal) || choice?.finish_reason === 'content_filter';
      return { text: choice?.message.content ?? choice?.message.refusal ?? '', refused };
    },
  };
}

/**
 * The judge model for `agent` (`claude`: Anthropic Messages; `openai`: OpenAI Responses;
 * `openai_compatible`: Chat Completions), through the official SDK, reached as `hud eval`'s agents reach
 * theirs (`resolveEndpoint`): the provider key (and its `*_BASE_URL`) directly, else `HUD_API_KEY` through
 * the gateway at `HUD_GATEWAY_URL`. `model` defaults to the harness's default model. SDK retries are off:
 * `judgeTrace` retries.
 * @throws QaError `invalid_argument` for an unknown agent or when no key is set (naming the settings);
 *   MissingPackageError when the SDK is not installed.
 */
export async function createJudgeModel(options: {
  agent: string;
  model?: string | undefined;
  settings: Readonly<Record<string, string | undefined>>;
}): Promise<JudgeModel> {
  const agent = options.agent as JudgeAgent;
  const spec = modelAgentInfo(agent);
  if (!JUDGE_AGENTS.includes(agent) || !spec) {
    throw new QaError(
      'invalid_argument',
      `--agent must be one of ${JUDGE_AGENTS.join(', ')}, got '${options.agent}'`,
    );
  }
  const endpoint = resolveEndpoint({
    keyNames: spec.keyNames,
    settings: options.settings,
    allowKeyless: spec.keyless === true,
  });
  if (!endpoint) {
    throw new QaError(
      'invalid_argument',
      `the ${agent} judge needs a key: set ${spec.keyNames.join(' or ')}, or HUD_API_KEY to go through the HUD gateway`,
    );
  }
  const model = options.model ?? spec.defaultModel;
  if (agent === 'claude') return anthropicJudge(endpoint, model);
  if (agent === 'openai') return responsesJudge(endpoint, model);
  return chatJudge(endpoint, model);
}
