import { type AgentSample, isRecord } from '@hud/protocol';

const isIds = (value: unknown): value is number[] =>
  Array.isArray(value) && value.every((item) => Number.isInteger(item));

/**
 * The token record of one chat completion (hud-python `AgentStep.sample`, spec §7.5), when the server sent
 * token ids: vLLM with `return_token_ids: true` answers with `prompt_token_ids` (on the response; the HUD
 * gateway also puts it, and `prompt_chunks`, on the choice) and `choices[0].token_ids`; with `logprobs:
 * true`, `choices[0].logprobs.content[].logprob` (natural log, one per output token). Undefined when the
 * reply carries no output token ids (an OpenAI-hosted model, a server without the feature).
 */
export function chatSample(completion: unknown): AgentSample | undefined {
  if (!isRecord(completion) || !Array.isArray(completion.choices)) return undefined;
  const choice: unknown = completion.choices[0];
  if (!isRecord(choice) || !isIds(choice.token_ids)) return undefined;
  const sample: AgentSample = { output_token_ids: choice.token_ids };
  const promptIds = [choice.prompt_token_ids, completion.prompt_token_ids].find(isIds);
  if (promptIds) sample.prompt_token_ids = promptIds;
  if (Array.isArray(choice.prompt_chunks)) sample.prompt_chunks = choice.prompt_chunks;
  const content = isRecord(choice.logprobs) ? choice.logprobs.content : undefined;
  if (Array.isArray(content)) {
    const logprobs = content.map((entry) =>
      isRecord(entry) && typeof entry.logprob === 'number' ? entry.logprob : Number.NaN,
    );
    // A partial or malformed list would misalign tokens and logprobs: keep it only when whole.
    if (logprobs.every((value) => !Number.isNaN(value))) sample.output_logprobs = logprobs;
  }
  return sample;
}

/**
 * Whether a request asks for token ids (`return_token_ids: true` at the top of the body, where
 * `completion_kwargs.extra_body` / `extra_body` put it): such a request also asks for `logprobs`, as
 * hud-python's `OpenAIChatAgent` does, unless the settings set `logprobs` themselves.
 */
export function wantsTokenIds(params: Record<string, unknown>): boolean {
  return params.return_token_ids === true;
}
