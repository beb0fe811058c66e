import { describe, expect, it } from 'vitest';
import { startFakeProvider } from '../fake-provider.js';

async function post(url: string, body: unknown) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'k' },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

describe('FakeProvider: Anthropic messages', () => {
  it('renders thinking, text and tool_use blocks with usage, and raw malformed input', async () => {
    await using fake = await startFakeProvider({
      turns: [
        {
          text: 'Let me look.',
          reasoning: 'hmm',
          toolCalls: [
            { name: 'bash', arguments: { command: 'ls' } },
            { id: 't9', name: 'bash', arguments: '{"command": "ls' },
          ],
          usage: { inputTokens: 100, outputTokens: 7, cachedTokens: 40 },
        },
        { text: 'done', finishReason: 'max_tokens' },
      ],
    });
    const first = JSON.parse((await post(`${fake.url}/v1/messages`, { model: 'claude-x' })).text);
    expect(first).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-x',
      stop_reason: 'tool_use',
      usage: { input_tokens: 100, output_tokens: 7, cache_read_input_tokens: 40 },
      content: [
        { type: 'thinking', thinking: 'hmm' },
        { type: 'text', text: 'Let me look.' },
        { type: 'tool_use', id: 'toolu_0_0', name: 'bash', input: { command: 'ls' } },
        { type: 'tool_use', id: 't9', name: 'bash', input: '{"command": "ls' },
      ],
    });
    const second = JSON.parse((await post(`${fake.url}/v1/messages`, { model: 'm' })).text);
    expect(second).toMatchObject({ stop_reason: 'max_tokens', content: [{ text: 'done' }] });
    expect(fake.requestsFor('anthropic-messages')).toHaveLength(2);
  });

  it('answers errors in the Anthropic envelope with their headers', async () => {
    await using fake = await startFakeProvider({
      turns: [{ status: 529, headers: { 'retry-after': '0' }, message: 'busy' }],
    });
    const response = await post(`${fake.url}/v1/messages`, {});
    expect(response.status).toBe(529);
    expect(response.headers.get('retry-after')).toBe('0');
    expect(JSON.parse(response.text)).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'busy' },
    });
  });

  it('streams server-sent events when the request asks for a stream', async () => {
    await using fake = await startFakeProvider({
      turns: [{ text: 'hi', toolCalls: [{ name: 'add', arguments: { a: 1 } }] }],
    });
    const response = await post(`${fake.url}/v1/messages`, { model: 'm', stream: true });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const types = [...response.text.matchAll(/^event: (\w+)$/gm)].map((match) => match[1]);
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(response.text).toContain('"partial_json":"{\\"a\\":1}"');
  });
});
