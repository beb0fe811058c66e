import { GatewayError } from '../../errors.js';
import { canonicalUuid, newUuid, nowIso, stableUuid } from '../../ids.js';
import type { CatalogModel } from '../model-catalog.js';
import { flag, jsonText, type Sql } from '../sql.js';
import {
  CHECKPOINT_COLUMNS,
  type CheckpointRecord,
  type CheckpointRow,
  MODEL_COLUMNS,
  type ModelRecord,
  type ModelRow,
  toCheckpoint,
  toModel,
} from './model-records.js';

export type { CheckpointRecord, ModelRecord } from './model-records.js';

/** Metrics of a new checkpoint (filled by training, a later part). */
export interface CheckpointInput {
  modelId: string;
  name?: string | null;
  checkpointName?: string | null;
  prevModelCheckpointId?: string | null;
  numTraces?: number | null;
  numDatums?: number | null;
  numTokens?: number | null;
  meanReward?: number | null;
  learningRate?: number | null;
  lossFn?: string | null;
  metrics?: Record<string, number> | null;
}

/** The model catalog (shared) and each team's forks with their checkpoints. */
export interface ModelStore {
  /** Inserts or refreshes the shared catalog (ids derived from names: equal on every install). */
  seedCatalog(models: readonly CatalogModel[]): Promise<void>;
  /** The catalog and the team's own models, catalog first, then by name. */
  listModels(teamId: string): Promise<ModelRecord[]>;
  /** One visible model by id. */
  getModel(teamId: string, id: string): Promise<ModelRecord | undefined>;
  /** The visible model whose id, name or `model_name` is `ref` (the team's own first). */
  resolveModel(teamId: string, ref: string): Promise<ModelRecord | undefined>;
  /**
   * A trainable team model named `name` from a visible source, starting at the source's head.
   * @throws GatewayError `not_found` for an unknown source, `conflict` when the name is taken.
   */
  forkModel(input: { teamId: string; sourceId: string; name: string }): Promise<ModelRecord>;
  /** A visible model's checkpoints, oldest first; undefined for an unknown model. */
  listCheckpoints(teamId: string, modelId: string): Promise<CheckpointRecord[] | undefined>;
  /** Stores a checkpoint of `modelId` (the training part calls this). */
  addCheckpoint(input: CheckpointInput): Promise<CheckpointRecord>;
  /**
   * Makes `checkpointId` the model's head.
   * @throws GatewayError `not_found` (model or checkpoint of it), `forbidden` for a catalog model.
   */
  setHead(input: {
    teamId: string;
    modelId: string;
    checkpointId: string;
  }): Promise<CheckpointRecord>;
}

/** The SQL implementation of {@link ModelStore}. */
export class SqlModelStore implements ModelStore {
  readonly #sql: Sql;
  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async seedCatalog(models: readonly CatalogModel[]): Promise<void> {
    const now = nowIso();
    await this.#sql.tx(async (tx) => {
      for (const model of models) {
        await tx.run(
          `INSERT INTO models (id, owner_team_id, name, display_name, model_name, provider, sdk_agent_type,
              is_trainable, created_at, updated_at) VALUES ($1, '', $2, $3, $4, $5, $6, $7, $8, $8)
            ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name,
              model_name = excluded.model_name, provider = excluded.provider,
              sdk_agent_type = excluded.sdk_agent_type, is_trainable = excluded.is_trainable`,
          [
            stableUuid(`model:${model.name}`),
            model.name,
            model.display_name,
            model.model_name,
            model.provider,
            model.sdk_agent_type,
            flag(model.is_trainable),
            now,
          ],
        );
      }
    });
  }

  async listModels(teamId: string): Promise<ModelRecord[]> {
    const rows = await this.#sql.all<ModelRow>(
      `SELECT ${MODEL_COLUMNS} FROM models WHERE owner_team_id IN ('', $1) ORDER BY owner_team_id, name`,
      [teamId],
    );
    return rows.map(toModel);
  }

  async getModel(teamId: string, id: string): Promise<ModelRecord | undefined> {
    const uuid = canonicalUuid(id);
    if (!uuid) return undefined;
    const row = await this.#sql.get<ModelRow>(
      `SELECT ${MODEL_COLUMNS} FROM models WHERE id = $1 AND owner_team_id IN ('', $2)`,
      [uuid, teamId],
    );
    return row ? toModel(row) : undefined;
  }

  async resolveModel(teamId: string, ref: string): Promise<ModelRecord | undefined> {
    const byId = await this.getModel(teamId, ref);
    if (byId) return byId;
    const row = await this.#sql.get<ModelRow>(
      `SELECT ${MODEL_COLUMNS} FROM models WHERE owner_team_id IN ('', $1) AND (name = $2 OR model_name = $2)
        ORDER BY owner_team_id DESC, created_at LIMIT 1`,
      [teamId, ref],
    );
    return row ? toModel(row) : undefined;
  }

  async forkModel(input: { teamId: string; sourceId: string; name: string }): Promise<ModelRecord> {
    const source = await this.getModel(input.teamId, input.sourceId);
    if (!source) {
      throw new GatewayError(
        'not_found',
        `no model with id ${input.sourceId}: resolve a name with GET /v2/models/resolve?model=<name>`,
      );
    }
    const id = newUuid();
    try {
      await this.#sql.tx(async (tx) => {
        const taken = await tx.get<{ id: string }>(
          `SELECT id FROM models WHERE owner_team_id IN ('', $1) AND (name = $2 OR model_name = $2)`,
          [input.teamId, input.name],
        );
        if (taken) throw new GatewayError('conflict', `a model named ${input.name} already exists`);
        const now = nowIso();
        await tx.run(
          `INSERT INTO models (id, owner_team_id, name, display_name, model_name, provider, sdk_agent_type,
              is_trainable, forked_from, base_checkpoint_id, created_at, updated_at)
            VALUES ($1, $2, $3, $3, $3, $4, $5, 1, $6, $7, $8, $8)`,
          [
            id,
            input.teamId,
            input.name,
            source.provider?.name ?? null,
            source.sdk_agent_type,
            source.id,
            source.head_checkpoint_id,
            now,
          ],
        );
      });
    } catch (error) {
      if (this.#sql.isUniqueViolation(error)) {
        throw new GatewayError('conflict', `a model named ${input.name} already exists`, {
          cause: error,
        });
      }
      throw error;
    }
    const model = await this.getModel(input.teamId, id);
    if (!model) throw new Error(`model ${id} vanished after fork`);
    return model;
  }

  async listCheckpoints(teamId: string, modelId: string): Promise<CheckpointRecord[] | undefined> {
    const model = await this.getModel(teamId, modelId);
    if (!model) return undefined;
    const rows = await this.#sql.all<CheckpointRow>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints WHERE model_id = $1 ORDER BY created_at, id`,
      [model.id],
    );
    return rows.map((row) => toCheckpoint(row, model.head_checkpoint_id));
  }

  async addCheckpoint(input: CheckpointInput): Promise<CheckpointRecord> {
    const id = newUuid();
    await this.#sql.tx(async (tx) => {
      // Checkpoints list oldest first by created_at; two added in the same millisecond would tie and
      // fall back to the random id, so a new one is stamped at least 1 ms after the model's latest.
      const latest = await tx.get<{ created_at: string | null }>(
        'SELECT max(created_at) AS created_at FROM checkpoints WHERE model_id = $1',
        [input.modelId],
      );
      const after = latest?.created_at ? Date.parse(latest.created_at) + 1 : 0;
      const createdAt = new Date(Math.max(Date.now(), after)).toISOString();
      await tx.run(
        `INSERT INTO checkpoints (id, model_id, name, checkpoint_name, prev_model_checkpoint_id, created_at,
          num_traces, num_datums, num_tokens, mean_reward, learning_rate, loss_fn, metrics)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [
          id,
          input.modelId,
          input.name ?? null,
          input.checkpointName ?? null,
          input.prevModelCheckpointId ?? null,
          createdAt,
          input.numTraces ?? null,
          input.numDatums ?? null,
          input.numTokens ?? null,
          input.meanReward ?? null,
          input.learningRate ?? null,
          input.lossFn ?? null,
          jsonText(input.metrics),
        ],
      );
    });
    const row = await this.#sql.get<CheckpointRow>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints WHERE id = $1`,
      [id],
    );
    if (!row) throw new Error(`checkpoint ${id} vanished after insert`);
    return toCheckpoint(row, null);
  }

  async setHead(input: {
    teamId: string;
    modelId: string;
    checkpointId: string;
  }): Promise<CheckpointRecord> {
    const model = await this.getModel(input.teamId, input.modelId);
    if (!model) throw new GatewayError('not_found', `no model with id ${input.modelId}`);
    if (model.owner === 'catalog') {
      throw new GatewayError(
        'forbidden',
        `${model.name} is a catalog model shared by every team: fork it (POST /v2/models/fork) to move its head`,
      );
    }
    const checkpointId = canonicalUuid(input.checkpointId);
    const row = checkpointId
      ? await this.#sql.get<CheckpointRow>(
          `SELECT ${CHECKPOINT_COLUMNS} FROM checkpoints WHERE id = $1 AND model_id = $2`,
          [checkpointId, model.id],
        )
      : undefined;
    if (!row) {
      throw new GatewayError(
        'not_found',
        `model ${model.name} has no checkpoint ${input.checkpointId} (GET /v2/models/${model.id}/checkpoints lists them)`,
      );
    }
    await this.#sql.run(
      'UPDATE models SET head_checkpoint_id = $2, updated_at = $3 WHERE id = $1',
      [model.id, row.id, nowIso()],
    );
    return toCheckpoint(row, row.id);
  }
}
