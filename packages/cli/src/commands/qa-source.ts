import { STANDARD_WORKFLOWS } from '@hud/protocol';
import { renderTable } from '../table.js';
import { recordSource } from './jobs-source.js';
import type { QaRunFlags } from './qa-local.js';

/**
 * `hud qa run`: on the gateway when HUD_API_KEY is set (unless --local/--store), else over the local job
 * store. @throws as `qaRunLocal` / `qaRunGateway`.
 */
export async function qaRun(workflow: string, ids: string[], flags: QaRunFlags): Promise<void> {
  const client = recordSource(flags);
  if (client) return (await import('./qa-gateway.js')).qaRunGateway(client, workflow, ids, flags);
  return (await import('./qa-local.js')).qaRunLocal(workflow, ids, flags);
}

/** `hud qa results TYPE ID…`, from the gateway or the local job store. */
export async function qaResults(type: string, ids: string[], flags: QaRunFlags): Promise<void> {
  const client = recordSource(flags);
  if (client) return (await import('./qa-gateway.js')).qaResultsGateway(client, type, ids, flags);
  return (await import('./qa-local.js')).qaResultsLocal(type, ids, flags);
}

/** `hud qa worker`: needs the gateway (HUD_API_KEY). @throws QaError without HUD_API_KEY. */
export async function qaWorkerCommand(flags: {
  agent?: string;
  model?: string;
  once?: boolean;
  poll?: string;
}): Promise<void> {
  const client = recordSource({});
  if (!client) {
    const { QaError } = await import('../qa/errors.js');
    throw new QaError(
      'invalid_argument',
      'hud qa worker reviews for a gateway: set HUD_API_KEY (and HUD_API_URL)',
    );
  }
  return (await import('./qa-gateway.js')).qaWorker(client, flags);
}

/** `hud qa agents`: the gateway's QA agents, or (locally) the four standard workflows. */
export async function qaAgents(flags: Record<string, string | boolean | undefined>): Promise<void> {
  const client = recordSource({ local: Boolean(flags.local) });
  if (client) return (await import('./qa-gateway.js')).qaAgentsGateway(client, flags);
  const items = STANDARD_WORKFLOWS.map((workflow) => ({
    id: workflow.id,
    name: workflow.name,
    description: workflow.description,
    categories: workflow.categories.map((category) => category.id),
  }));
  if (flags.json) {
    console.log(JSON.stringify({ items, total: items.length }));
    return;
  }
  const rows = items.map((item) => [
    item.id,
    item.name,
    item.description,
    item.categories.join(', '),
  ]);
  console.log(
    renderTable(['id', 'name', 'detects', 'categories'], rows, process.stdout.isTTY === true),
  );
}
