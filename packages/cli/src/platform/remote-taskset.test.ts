import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlatformClient } from './client.js';
import { fetchTaskset, uploadTasks } from './remote-taskset.js';

// A platform on 127.0.0.1 answering in hud-python 0.6.16's `from_api` shapes (spec §5.2).
const ID = '0b6f1d1e-7c1a-4c55-9a55-2f0c8a7e1d10';
const seen: { method: string; url: string; body: string }[] = [];
let server: Server;
let client: PlatformClient;

async function bodyOf(request: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of request) text += chunk;
  return text;
}

beforeAll(async () => {
  server = createServer(async (request, response) => {
    seen.push({
      method: request.method ?? '',
      url: request.url ?? '',
      body: await bodyOf(request),
    });
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.url === '/v2/tasksets/by-name/my%20set')
      return reply(200, { taskset_id: ID, name: 'my set' });
    if (request.url === '/v2/tasksets/by-name/missing')
      return reply(404, { detail: 'Taskset not found' });
    if (request.url === `/v2/tasksets/${ID}/export`) {
      return reply(200, {
        name: 'my set',
        tasks: [
          {
            env: { name: 'counter' },
            scenario: 'count',
            args: { word: 'banana' },
            name: 'count-1',
            validation: null,
            agent_config: { timeout_seconds: 60 },
            columns: null,
            runtime_config: null,
            verifier: null,
            created_by: 'someone',
          },
          { env: 'counter', scenario: 'plain', name: 'plain', args: null },
        ],
      });
    }
    if (request.url === '/v2/tasks/upload' && request.method === 'POST')
      return reply(200, { evalset_id: ID, tasks_created: 1, tasks_updated: 0 });
    return reply(500, { detail: 'unexpected' });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  client = new PlatformClient({
    urls: { api: base, telemetry: base, gateway: base, runtime: base, rl: base, web: base },
    apiKey: 'k',
    retries: 0,
  });
});

afterAll(() => {
  server.close();
});

describe('fetchTaskset', () => {
  it('maps the export to rows (scenario → id, name → slug, env object → name, nulls dropped)', async () => {
    const taskset = await fetchTaskset(client, 'my set');
    expect(taskset).toEqual({
      id: ID,
      name: 'my set',
      tasks: [
        {
          env: 'counter',
          id: 'count',
          slug: 'count-1',
          args: { word: 'banana' },
          validation: null,
          agent_config: { timeout_seconds: 60 },
          columns: null,
          runtime_config: null,
          verifier: null,
        },
        { env: 'counter', id: 'plain', slug: 'plain', args: {} },
      ],
    });
  });

  it('uses a UUID as the id directly, and answers undefined for an unknown name', async () => {
    seen.length = 0;
    expect((await fetchTaskset(client, ID))?.name).toBe('my set');
    expect(seen.map((request) => request.url)).toEqual([`/v2/tasksets/${ID}/export`]);
    expect(await fetchTaskset(client, 'missing')).toBeUndefined();
  });
});

describe('uploadTasks', () => {
  it('posts {taskset_name, tasks} and reads evalset_id when taskset_id is absent', async () => {
    seen.length = 0;
    const task = { name: 's', env: { name: 'counter' }, task_id: 'count', args: {} };
    const result = await uploadTasks(client, 'my set', [task]);
    expect(result.taskset_id).toBe(ID);
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ taskset_name: 'my set', tasks: [task] });
  });
});
