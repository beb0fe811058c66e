import { Environment, mcpTool } from '@hud/environment';
import { combine, exactMatch, subscore } from '@hud/graders';
import { McpClient } from '@hud/protocol';
import { z } from 'zod';

export const env = new Environment({ name: 'mcp-tools', version: '0.1.0' });

/** What the store holds when the environment starts. */
export const SEED: Readonly<Record<string, string>> = {
  'vault:code': 'amber-7',
  'vault:owner': 'Ilse Marr',
  'vault:floor': 'B2',
  'config:region': 'eu-north',
  'note:motto': 'measure twice',
};

/** The key-value store the tools act on: one per served process (each rollout gets its own process). */
const store = new Map<string, string>();
env.initialize(() => {
  store.clear();
  for (const [key, value] of Object.entries(SEED)) store.set(key, value);
});

// Registered after the seeding hook, so the server starts on a seeded store.
env.mcp([
  mcpTool({
    name: 'kv_set',
    description: 'Store a string value under a key, replacing any previous value.',
    inputSchema: { key: z.string().min(1).describe('the key'), value: z.string() },
    handler: ({ key, value }) => {
      store.set(key, value);
      return `stored ${JSON.stringify(key)}`;
    },
  }),
  mcpTool({
    name: 'kv_get',
    description: 'Read the value stored under a key.',
    inputSchema: { key: z.string().min(1) },
    handler: ({ key }) => {
      const value = store.get(key);
      if (value === undefined) throw new Error(`no key ${JSON.stringify(key)}`);
      return value;
    },
  }),
  mcpTool({
    name: 'kv_list',
    description: 'List every key in the store, sorted, one per line.',
    handler: () => [...store.keys()].sort().join('\n'),
  }),
]);

/** Calls the environment's own MCP tools, as an agent would (used by the reference solutions). */
async function withTools<T>(use: (tools: McpClient) => Promise<T>): Promise<T> {
  const tools = await McpClient.connect(env.capability('tools'));
  try {
    return await use(tools);
  } finally {
    await tools.close();
  }
}

const textOf = (result: { content: { type: string; text?: string }[] }) =>
  result.content.map((part) => part.text ?? '').join('');

export const storeAndRecall = env.template(
  {
    id: 'store_and_recall',
    description: 'Store a value under a key, then report the value of a seeded key.',
    args: z.object({ key: z.string(), value: z.string(), lookup: z.string() }),
    solution: ({ key, value, lookup }) =>
      withTools(async (tools) => {
        await tools.callTool('kv_set', { key, value });
        return textOf(await tools.callTool('kv_get', { key: lookup }));
      }),
  },
  async function* ({ key, value, lookup }) {
    store.delete(key);
    const answer =
      yield `You have key-value store tools (kv_set, kv_get, kv_list). Store the value ${JSON.stringify(value)} under the key ${JSON.stringify(key)}. Then look up the key ${JSON.stringify(lookup)} and reply with its value only.`;
    yield combine([
      subscore({ name: 'stored', value: store.get(key) === value ? 1 : 0, weight: 0.5 }),
      subscore({ name: 'recalled', value: exactMatch(answer, SEED[lookup] ?? ''), weight: 0.5 }),
    ]);
  },
);

export const countKeys = env.template(
  {
    id: 'count_keys',
    description: 'Count the keys with a prefix.',
    args: z.object({ prefix: z.string() }),
    solution: ({ prefix }) =>
      withTools(async (tools) => {
        const keys = textOf(await tools.callTool('kv_list')).split('\n');
        return String(keys.filter((key) => key.startsWith(prefix)).length);
      }),
  },
  async function* ({ prefix }) {
    const answer =
      yield `Using the key-value store tools, count the keys that start with ${JSON.stringify(prefix)}. Reply with just the number.`;
    const expected = [...store.keys()].filter((key) => key.startsWith(prefix)).length;
    yield exactMatch(answer, String(expected));
  },
);
