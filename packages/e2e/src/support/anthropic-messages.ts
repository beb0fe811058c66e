// Readers of the Anthropic Messages requests the claude harness sends to the fake provider.

// biome-ignore lint/suspicious/noExplicitAny: Anthropic request bodies are arbitrary JSON
export type MessagesBody = any;

/** The text of the first user message of a Messages request (the task prompt). */
export function promptOf(body: MessagesBody): string {
  const content = body?.messages?.[0]?.content;
  if (typeof content === 'string') return content;
  return (content ?? [])
    .filter((block: MessagesBody) => block.type === 'text')
    .map((block: MessagesBody) => block.text)
    .join('\n');
}

/** How many assistant turns the request's history holds (= the step the model is on). */
export function turnOf(body: MessagesBody): number {
  return (body?.messages ?? []).filter((message: MessagesBody) => message.role === 'assistant')
    .length;
}

/** The `tool_result` blocks of the request's last message. */
export function lastToolResults(body: MessagesBody): MessagesBody[] {
  const content = body?.messages?.at(-1)?.content;
  return Array.isArray(content) ? content.filter((block) => block.type === 'tool_result') : [];
}

/** The joined text of a `tool_result` block. */
export function resultText(block: MessagesBody): string {
  if (typeof block?.content === 'string') return block.content;
  return (block?.content ?? [])
    .filter((part: MessagesBody) => part.type === 'text')
    .map((part: MessagesBody) => part.text)
    .join('\n');
}
