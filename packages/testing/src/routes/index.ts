import type { ProviderRoute } from '../provider-route.js';
import { anthropicMessagesRoute } from './anthropic-messages.js';
import { geminiGenerateContentRoute } from './gemini-generate-content.js';
import { openaiChatCompletionsRoute } from './openai-chat-completions.js';
import { openaiResponsesRoute } from './openai-responses.js';

/**
 * The built-in provider routes, one line per provider file; a harness author adds an import and one entry.
 * `startFakeProvider()` serves all of them (plus any added with `registerFakeRoute`).
 */
export const builtinRoutes: readonly ProviderRoute[] = [
  openaiChatCompletionsRoute,
  openaiResponsesRoute,
  anthropicMessagesRoute,
  geminiGenerateContentRoute,
];
