import type { HudLogger } from '@hud/protocol';
import { openAIClient } from '../providers/openai-sdk.js';
import type { ProviderEndpoint } from './adapter.js';

/** The model hud-python asks whether a stopped agent should go on (spec §7.4). */
export const AUTO_RESPOND_MODEL = 'gpt-5';

const INSTRUCTIONS =
  'An AI agent working on a task has stopped and sent the message below. Decide whether it is finished ' +
  '(it answered, gave up, or reported a result) or whether it stopped only to ask for permission or ' +
  'confirmation that it does not need. Reply with exactly one word: STOP if it is finished, CONTINUE if it ' +
  'should be told to go on.';

/** Decides whether to tell a stopped agent to go on (`-c auto_respond=true`). */
export type AutoResponder = (message: string, signal: AbortSignal) => Promise<boolean>;

/**
 * The auto-respond classifier (hud-python `auto_respond`): asks {@link AUTO_RESPOND_MODEL} through the HUD
 * gateway's Responses API (reasoning effort low, 256 output tokens) whether the agent's last message
 * needs a `CONTINUE`. It needs the gateway: for any other endpoint (or none) it is a no-op that never
 * continues, with a debug note. A failed classification also means stop.
 */
export function autoResponder(
  gateway: ProviderEndpoint | undefined,
  logger: HudLogger | undefined,
): AutoResponder {
  if (gateway?.route !== 'gateway') {
    return async () => {
      logger?.debug('auto_respond needs HUD_API_KEY (the HUD gateway classifier); not continuing');
      return false;
    };
  }
  return async (message, signal) => {
    try {
      const client = await openAIClient(gateway, 1);
      const response = await client.responses.create(
        {
          model: AUTO_RESPOND_MODEL,
          instructions: INSTRUCTIONS,
          input: message,
          reasoning: { effort: 'low' },
          max_output_tokens: 256,
        },
        { signal },
      );
      return /\bCONTINUE\b/.test(response.output_text ?? '');
    } catch (error) {
      logger?.debug(`auto_respond classification failed: ${(error as Error).message}`);
      return false;
    }
  };
}
