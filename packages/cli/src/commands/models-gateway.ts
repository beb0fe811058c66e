import { z } from 'zod';
import { type PlatformClient, PlatformError, platformClient } from '../platform/client.js';
import { Checkpoint, PlatformModel } from '../platform/shapes.js';
import { loadSettings } from '../settings.js';

/**
 * The model `ref` names (a name, model name or id) through `GET /v2/models/resolve?model=` (spec §9.8, §11).
 * @throws PlatformError `not_found` naming the model and `hud models list`; others as the client throws.
 */
export async function resolveModel(client: PlatformClient, ref: string): Promise<PlatformModel> {
  try {
    return await client.get('/v2/models/resolve', { query: { model: ref }, schema: PlatformModel });
  } catch (error) {
    if (PlatformError.isInstance(error) && error.code === 'not_found') {
      throw new PlatformError(
        'not_found',
        `no model '${ref}' on ${client.urls.api}: hud models list shows the models`,
        { cause: error, status: 404 },
      );
    }
    throw error;
  }
}

/** The label of a checkpoint: its name, else its checkpoint name, else nothing. */
const label = (checkpoint: Checkpoint) => checkpoint.name ?? checkpoint.checkpoint_name ?? '';

/** One checkpoint as a line: id, label, creation time, figures, and `(active)` for the head. */
function checkpointLine(checkpoint: Checkpoint): string {
  const parts = [checkpoint.id];
  if (label(checkpoint)) parts.push(label(checkpoint));
  if (checkpoint.created_at) parts.push(checkpoint.created_at);
  if (checkpoint.mean_reward != null) parts.push(`reward ${checkpoint.mean_reward.toFixed(3)}`);
  if (checkpoint.num_traces != null) parts.push(`${checkpoint.num_traces} traces`);
  if (checkpoint.loss_fn) parts.push(checkpoint.loss_fn);
  return `${parts.join('  ')}${checkpoint.is_active ? '  (active)' : ''}`;
}

/**
 * Checkpoints as a tree by `prev_model_checkpoint_id` (a checkpoint whose parent is not in the list is a
 * root), children in the given (creation) order, drawn with `├─`/`└─`.
 */
export function renderCheckpointTree(checkpoints: readonly Checkpoint[]): string {
  const ids = new Set(checkpoints.map((checkpoint) => checkpoint.id));
  const children = new Map<string | null, Checkpoint[]>();
  for (const checkpoint of checkpoints) {
    const parent =
      checkpoint.prev_model_checkpoint_id && ids.has(checkpoint.prev_model_checkpoint_id)
        ? checkpoint.prev_model_checkpoint_id
        : null;
    children.set(parent, [...(children.get(parent) ?? []), checkpoint]);
  }
  const lines: string[] = [];
  const seen = new Set<string>();
  const walk = (parent: string | null, indent: string) => {
    const list = children.get(parent) ?? [];
    list.forEach((checkpoint, index) => {
      if (seen.has(checkpoint.id)) return;
      seen.add(checkpoint.id);
      const last = index === list.length - 1;
      lines.push(
        parent === null
          ? checkpointLine(checkpoint)
          : `${indent}${last ? '└─ ' : '├─ '}${checkpointLine(checkpoint)}`,
      );
      walk(checkpoint.id, parent === null ? indent : `${indent}${last ? '   ' : '│  '}`);
    });
  };
  walk(null, '');
  return lines.join('\n');
}

/**
 * `hud models fork <source> --name <slug>`: resolves the source, then `POST /v2/models/fork
 * {source_model_id, name}` (spec §9.8).
 * @throws PlatformError (`not_found` source, `conflict` when the name is taken, 401, …).
 */
export async function modelsFork(
  source: string,
  flags: { name: string; json?: boolean },
): Promise<void> {
  const client = platformClient(loadSettings());
  const from = await resolveModel(client, source);
  const model = await client.post(
    '/v2/models/fork',
    { source_model_id: from.id, name: flags.name },
    { schema: PlatformModel },
  );
  if (flags.json) return console.log(JSON.stringify(model));
  console.log(`forked ${from.name} as ${model.name} (id ${model.id})`);
  console.log(
    `train it with its id or name; hud models checkpoints ${model.name} shows its checkpoints`,
  );
}

/**
 * `hud models checkpoints <model>`: `GET /v2/models/resolve?model=` then `GET /v2/models/{id}/checkpoints`
 * (spec §9.8), drawn as a tree.
 * @throws PlatformError (`not_found`, 401, …).
 */
export async function modelsCheckpoints(ref: string, flags: { json?: boolean }): Promise<void> {
  const client = platformClient(loadSettings());
  const model = await resolveModel(client, ref);
  const checkpoints = await client.get(`/v2/models/${encodeURIComponent(model.id)}/checkpoints`, {
    schema: z.array(Checkpoint),
  });
  if (flags.json) return console.log(JSON.stringify(checkpoints));
  if (checkpoints.length === 0) {
    return console.log(`model ${model.name} has no checkpoints yet (training adds them)`);
  }
  console.log(
    `model ${model.name}: ${checkpoints.length} checkpoint${checkpoints.length === 1 ? '' : 's'}`,
  );
  console.log(renderCheckpointTree(checkpoints));
}

/** `PUT /v2/models/{id}/head`'s answer. */
const HeadReply = z.looseObject({ checkpoint_id: z.string(), checkpoint: Checkpoint.optional() });

/**
 * `hud models head <model> [--set <checkpoint>]`: shows the active checkpoint, or makes `--set` (an id, or
 * a checkpoint's name) the active one with `PUT /v2/models/{id}/head {checkpoint_id}` (spec §9.8).
 * @throws PlatformError (`not_found` model or checkpoint, `forbidden` for a catalog model, 401, …).
 */
export async function modelsHead(
  ref: string,
  flags: { set?: string; json?: boolean },
): Promise<void> {
  const client = platformClient(loadSettings());
  const model = await resolveModel(client, ref);
  const checkpoints = await client.get(`/v2/models/${encodeURIComponent(model.id)}/checkpoints`, {
    schema: z.array(Checkpoint),
  });
  if (flags.set !== undefined) {
    const wanted = flags.set;
    const named = checkpoints.filter(
      (checkpoint) =>
        checkpoint.id === wanted ||
        checkpoint.name === wanted ||
        checkpoint.checkpoint_name === wanted,
    );
    if (named.length > 1) {
      throw new Error(
        `'${wanted}' names ${named.length} checkpoints of ${model.name}: give the id (hud models checkpoints ${model.name})`,
      );
    }
    const answer = await client.put(
      `/v2/models/${encodeURIComponent(model.id)}/head`,
      { checkpoint_id: named[0]?.id ?? wanted },
      { schema: HeadReply },
    );
    if (flags.json) return console.log(JSON.stringify(answer));
    const checkpoint = answer.checkpoint;
    console.log(
      `the active checkpoint of ${model.name} is now ${checkpoint ? checkpointLine({ ...checkpoint, is_active: false }) : answer.checkpoint_id}`,
    );
    return;
  }
  const head =
    checkpoints.find((checkpoint) => checkpoint.is_active) ??
    checkpoints.find((checkpoint) => checkpoint.id === model.head_checkpoint_id);
  if (flags.json) {
    return console.log(
      JSON.stringify({
        model_id: model.id,
        checkpoint_id: head?.id ?? null,
        checkpoint: head ?? null,
      }),
    );
  }
  if (!head) return console.log(`model ${model.name} has no active checkpoint yet`);
  console.log(
    `the active checkpoint of ${model.name}: ${checkpointLine({ ...head, is_active: false })}`,
  );
}
