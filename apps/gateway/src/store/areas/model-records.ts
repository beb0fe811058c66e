import { parseJson } from '../sql.js';

/**
 * A model as `GET /v2/models` lists it, in hud-python's catalog shape (`{id, name, model_name,
 * sdk_agent_type, is_trainable, provider: {name}}`, spec §7.3) plus where it comes from: `owner` is
 * `catalog` (shared by every team) or `team` (a fork).
 */
export interface ModelRecord {
  id: string;
  name: string;
  display_name: string | null;
  model_name: string | null;
  provider: { name: string } | null;
  sdk_agent_type: string | null;
  is_trainable: boolean;
  owner: 'catalog' | 'team';
  forked_from: string | null;
  /** The source's head when forked: where training starts. */
  base_checkpoint_id: string | null;
  head_checkpoint_id: string | null;
  created_at: string;
  updated_at: string;
}

/** A checkpoint in hud-python's `CheckpointResponse` shape (spec §11); `is_active` marks the head. */
export interface CheckpointRecord {
  id: string;
  model_id: string;
  name: string | null;
  checkpoint_name: string | null;
  prev_model_checkpoint_id: string | null;
  is_active: boolean;
  created_at: string;
  num_traces: number | null;
  num_datums: number | null;
  num_tokens: number | null;
  mean_reward: number | null;
  learning_rate: number | null;
  loss_fn: string | null;
  metrics: Record<string, number> | null;
}

/** The selected columns of a model row. */
export const MODEL_COLUMNS = `id, owner_team_id, name, display_name, model_name, provider, sdk_agent_type,
  is_trainable, forked_from, base_checkpoint_id, head_checkpoint_id, created_at, updated_at`;

/** A model row as stored. */
export interface ModelRow {
  id: string;
  owner_team_id: string;
  name: string;
  display_name: string | null;
  model_name: string | null;
  provider: string | null;
  sdk_agent_type: string | null;
  is_trainable: number;
  forked_from: string | null;
  base_checkpoint_id: string | null;
  head_checkpoint_id: string | null;
  created_at: string;
  updated_at: string;
}

/** The selected columns of a checkpoint row. */
export const CHECKPOINT_COLUMNS = `id, model_id, name, checkpoint_name, prev_model_checkpoint_id, created_at,
  num_traces, num_datums, num_tokens, mean_reward, learning_rate, loss_fn, metrics`;

/** A checkpoint row as stored. */
export type CheckpointRow = Omit<CheckpointRecord, 'is_active' | 'metrics'> & {
  metrics: string | null;
};

/** A model row as the API shows it. */
export function toModel(row: ModelRow): ModelRecord {
  return {
    id: row.id,
    name: row.name,
    display_name: row.display_name,
    model_name: row.model_name,
    provider: row.provider === null ? null : { name: row.provider },
    sdk_agent_type: row.sdk_agent_type,
    is_trainable: Number(row.is_trainable) === 1,
    owner: row.owner_team_id === '' ? 'catalog' : 'team',
    forked_from: row.forked_from,
    base_checkpoint_id: row.base_checkpoint_id,
    head_checkpoint_id: row.head_checkpoint_id,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** A checkpoint row as the API shows it, `is_active` when it is `headId`. */
export function toCheckpoint(row: CheckpointRow, headId: string | null): CheckpointRecord {
  return {
    ...row,
    mean_reward: row.mean_reward === null ? null : Number(row.mean_reward),
    learning_rate: row.learning_rate === null ? null : Number(row.learning_rate),
    is_active: row.id === headId,
    metrics: parseJson<Record<string, number>>(row.metrics),
  };
}
