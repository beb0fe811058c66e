import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Environment, mcpTool } from '@hud/environment';
import { exactMatch } from '@hud/graders';
import { McpClient } from '@hud/protocol';
import { z } from 'zod';

/**
 * The sample environment `hud build` packs into an image: a warehouse inventory an agent explores through an
 * SSH workspace (capability `shell`) and MCP tools (capability `tools`).
 */
export const env = new Environment({ name: 'sample-env', version: '0.1.0' });

/** The files every rollout's workspace starts with. */
export const SEED_FILES: Readonly<Record<string, string>> = {
  'README.md': '# Inventory\n\nStock counts of the warehouse, one CSV file per aisle in aisles/.\n',
  'aisles/a.csv': 'item,count\nbolts,120\nnuts,300\nwashers,75\n',
  'aisles/b.csv': 'item,count\nhinges,40\nscrews,500\n',
  'notes/owner.txt': 'Aisle B is run by Ilse Marr.\n',
};

/** A shell workspace: a fresh directory per served process (one per rollout in Docker). */
export const workspace = env.workspace();

// Runs after the workspace's own start hook, so its directory exists.
env.initialize(async () => {
  for (const [file, text] of Object.entries(SEED_FILES)) {
    const target = path.join(workspace.root, file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, text);
  }
});

/** The rows of an aisle's CSV as `[item, count]`. */
async function aisle(name: string): Promise<Array<[string, number]>> {
  const text = await readFile(path.join(workspace.root, 'aisles', `${name}.csv`), 'utf8');
  return text
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [item = '', count = '0'] = line.split(',');
      return [item, Number(count)];
    });
}

async function stockOf(item: string): Promise<number | undefined> {
  for (const name of ['a', 'b']) {
    const found = (await aisle(name)).find(([candidate]) => candidate === item);
    if (found) return found[1];
  }
  return undefined;
}

env.mcp([
  mcpTool({
    name: 'stock_lookup',
    description: 'The stock count of an item, searched across every aisle.',
    inputSchema: { item: z.string().min(1).describe('the item, e.g. bolts') },
    handler: async ({ item }) => {
      const count = await stockOf(item);
      if (count === undefined) throw new Error(`no item ${JSON.stringify(item)} in stock`);
      return String(count);
    },
  }),
  mcpTool({
    name: 'read_file',
    description: 'The text of a file in the workspace (a path relative to its root).',
    inputSchema: { path: z.string().min(1) },
    handler: async ({ path: file }) => {
      const target = path.resolve(workspace.root, file);
      if (!target.startsWith(`${workspace.root}${path.sep}`))
        throw new Error('outside the workspace');
      return readFile(target, 'utf8');
    },
  }),
]);

export const countItems = env.template(
  {
    id: 'count_items',
    description: 'Count the distinct items stocked in one aisle.',
    args: z.object({ aisle: z.enum(['a', 'b']) }),
    solution: async ({ aisle: name }) => String((await aisle(name)).length),
  },
  async function* ({ aisle: name }) {
    const answer =
      yield `Your workspace (the shell capability) holds the warehouse inventory in aisles/*.csv. How many distinct items are stocked in aisle ${name}? Reply with just the number.`;
    yield exactMatch(answer, String((await aisle(name)).length));
  },
);

export const lookUpStock = env.template(
  {
    id: 'stock_of',
    description: 'Report the stock count of one item.',
    args: z.object({ item: z.string() }),
    // Through the environment's own MCP tools, as an agent would.
    solution: async ({ item }) => {
      const tools = await McpClient.connect(env.capability('tools'));
      try {
        const result = await tools.callTool('stock_lookup', { item });
        return result.content.map((part) => ('text' in part ? part.text : '')).join('');
      } finally {
        await tools.close();
      }
    },
  },
  async function* ({ item }) {
    const answer =
      yield `How many ${item} are in stock? Use the stock_lookup tool (the tools capability) or read the inventory in your workspace. Reply with just the number.`;
    yield exactMatch(answer, String(await stockOf(item)));
  },
);

export const writeReport = env.template(
  {
    id: 'write_report',
    description: "Write an aisle's total stock into report.txt in the workspace.",
    args: z.object({ aisle: z.enum(['a', 'b']) }),
    // Through a command in the workspace, as an agent's shell would.
    solution: async ({ aisle: name }) => {
      const total = (await aisle(name)).reduce((sum, [, count]) => sum + count, 0);
      await workspace.writeText('report.txt', `${total}\n`);
      return 'done';
    },
  },
  async function* ({ aisle: name }) {
    yield `In your workspace (the shell capability), write the total stock of aisle ${name} (the sum of its counts in aisles/${name}.csv) into a file report.txt at the workspace root, containing just the number. Reply "done" when it is written.`;
    const total = (await aisle(name)).reduce((sum, [, count]) => sum + count, 0);
    const written = await readFile(path.join(workspace.root, 'report.txt'), 'utf8').catch(() => '');
    yield written.trim() === String(total) ? 1.0 : 0.0;
  },
);
