import { GatewayError } from '../../errors.js';
import { newUuid, nowIso } from '../../ids.js';
import { flag, jsonText, parseJson, type Sql } from '../sql.js';

/**
 * Where a build is: `PENDING` (upload URL handed out, no context yet), `UPLOADED` (context stored),
 * `QUEUED` (triggered), `BUILDING`, `PUSHING` (to the OCI registry), then `SUCCEEDED` or `FAILED`.
 * hud-python's `hud deploy` succeeds iff the last status is `SUCCEEDED` (spec §9.6).
 */
export type BuildStatus =
  | 'PENDING'
  | 'UPLOADED'
  | 'QUEUED'
  | 'BUILDING'
  | 'PUSHING'
  | 'SUCCEEDED'
  | 'FAILED';

/** The statuses a build ends in. */
export const FINAL_BUILD_STATUSES: ReadonlySet<BuildStatus> = new Set(['SUCCEEDED', 'FAILED']);

/**
 * One build, as `GET /v2/builds/{id}/status` answers it. Build secrets are never stored: only their ids
 * (`secret_ids`). `registry_id` is the environment's id in the registry once the build is triggered.
 */
export interface BuildRecord {
  id: string;
  status: BuildStatus;
  registry_id: string | null;
  name: string | null;
  /** `v0.1.0`, `v0.1.1`, … per environment, assigned when triggered. */
  version: string | null;
  /** The image reference (`host:port/name:v0.1.0` when pushed, else the engine's local tag). */
  image: string | null;
  no_cache: boolean;
  build_args: Record<string, string>;
  environment_variables: Record<string, string>;
  secret_ids: string[];
  context_bytes: number | null;
  error: string | null;
  created_at: string;
  triggered_at: string | null;
  finished_at: string | null;
}

/** What `trigger` records (hud-python's `POST /v2/builds/trigger` body, secrets reduced to their ids). */
export interface TriggerInput {
  teamId: string;
  buildId: string;
  name: string;
  registryId?: string;
  noCache: boolean;
  buildArgs: Record<string, string>;
  environmentVariables: Record<string, string>;
  secretIds: string[];
}

/** The builds of each team. */
export interface BuildStore {
  /** A new `PENDING` build whose context upload is allowed with the token hashed as `tokenHash`. */
  createBuild(input: {
    teamId: string;
    keyId: string | null;
    tokenHash: string;
    expiresAt: string;
  }): Promise<BuildRecord>;
  /** One build of `teamId`. */
  getBuild(teamId: string, id: string): Promise<BuildRecord | undefined>;
  /** One build of any team, with its upload token hash and expiry (for the signed upload URL). */
  findUpload(
    id: string,
  ): Promise<
    | { teamId: string; status: BuildStatus; tokenHash: string | null; expiresAt: string | null }
    | undefined
  >;
  /** Marks the context of a `PENDING` or `UPLOADED` build stored (`UPLOADED`, `bytes` long). */
  recordUpload(id: string, bytes: number): Promise<void>;
  /**
   * Triggers an `UPLOADED` build: the environment `registryId` (else the one named `name`, created when
   * missing) gets the next version `v0.1.N`; the build becomes `QUEUED`.
   * @throws GatewayError `not_found` (no such build or registry id), `conflict` (no context uploaded
   *   yet, or triggered already).
   */
  trigger(input: TriggerInput): Promise<BuildRecord>;
  /** Moves a build on; `SUCCEEDED` also sets its environment's `latest_version` and `image`. */
  setStatus(
    id: string,
    status: BuildStatus,
    detail?: { image?: string; error?: string },
  ): Promise<void>;
  /** Marks every `QUEUED`, `BUILDING` or `PUSHING` build `FAILED` with `reason`; returns their ids. */
  failUnfinished(reason: string): Promise<string[]>;
}

interface BuildRow {
  id: string;
  status: BuildStatus;
  environment_id: string | null;
  name: string | null;
  version: string | null;
  image: string | null;
  no_cache: number;
  build_args: string | null;
  environment_variables: string | null;
  secret_ids: string | null;
  context_bytes: number | null;
  error: string | null;
  created_at: string;
  triggered_at: string | null;
  finished_at: string | null;
}

const COLUMNS = `id, status, environment_id, name, version, image, no_cache, build_args,
  environment_variables, secret_ids, context_bytes, error, created_at, triggered_at, finished_at`;

function toRecord(row: BuildRow): BuildRecord {
  return {
    id: row.id,
    status: row.status,
    registry_id: row.environment_id,
    name: row.name,
    version: row.version,
    image: row.image,
    no_cache: row.no_cache === 1,
    build_args: parseJson(row.build_args) ?? {},
    environment_variables: parseJson(row.environment_variables) ?? {},
    secret_ids: parseJson(row.secret_ids) ?? [],
    context_bytes: row.context_bytes,
    error: row.error,
    created_at: row.created_at,
    triggered_at: row.triggered_at,
    finished_at: row.finished_at,
  };
}

/** The version after the highest `v0.1.N` of `versions` (`v0.1.0` when there is none). */
export function nextVersion(versions: readonly (string | null)[]): string {
  let highest = -1;
  for (const version of versions) {
    const match = /^v0\.1\.(\d+)$/.exec(version ?? '');
    if (match) highest = Math.max(highest, Number(match[1]));
  }
  return `v0.1.${highest + 1}`;
}

/** The SQL implementation of {@link BuildStore}. */
export class SqlBuildStore implements BuildStore {
  readonly #sql: Sql;
  constructor(sql: Sql) {
    this.#sql = sql;
  }

  async createBuild(input: {
    teamId: string;
    keyId: string | null;
    tokenHash: string;
    expiresAt: string;
  }): Promise<BuildRecord> {
    const id = newUuid();
    await this.#sql.run(
      `INSERT INTO builds (id, team_id, key_id, status, upload_token_hash, upload_expires_at, created_at)
       VALUES ($1, $2, $3, 'PENDING', $4, $5, $6)`,
      [id, input.teamId, input.keyId, input.tokenHash, input.expiresAt, nowIso()],
    );
    return (await this.getBuild(input.teamId, id)) as BuildRecord;
  }

  async getBuild(teamId: string, id: string): Promise<BuildRecord | undefined> {
    const row = await this.#sql.get<BuildRow>(
      `SELECT ${COLUMNS} FROM builds WHERE team_id = $1 AND id = $2`,
      [teamId, id],
    );
    return row ? toRecord(row) : undefined;
  }

  async findUpload(id: string) {
    const row = await this.#sql.get<{
      team_id: string;
      status: BuildStatus;
      upload_token_hash: string | null;
      upload_expires_at: string | null;
    }>('SELECT team_id, status, upload_token_hash, upload_expires_at FROM builds WHERE id = $1', [
      id,
    ]);
    return row
      ? {
          teamId: row.team_id,
          status: row.status,
          tokenHash: row.upload_token_hash,
          expiresAt: row.upload_expires_at,
        }
      : undefined;
  }

  async recordUpload(id: string, bytes: number): Promise<void> {
    const { changes } = await this.#sql.run(
      `UPDATE builds SET status = 'UPLOADED', context_bytes = $2
        WHERE id = $1 AND status IN ('PENDING', 'UPLOADED')`,
      [id, bytes],
    );
    if (changes === 0) {
      throw new GatewayError('conflict', `build ${id} was triggered already: upload a new context`);
    }
  }

  async trigger(input: TriggerInput): Promise<BuildRecord> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#sql.tx((tx) => this.#trigger(tx, input));
      } catch (error) {
        // Two triggers of one environment at once picked the same version: the loser picks again.
        if (attempt < 3 && this.#sql.isUniqueViolation(error)) continue;
        throw error;
      }
    }
  }

  async #trigger(tx: Sql, input: TriggerInput): Promise<BuildRecord> {
    const build = await tx.get<{ status: BuildStatus }>(
      'SELECT status FROM builds WHERE team_id = $1 AND id = $2',
      [input.teamId, input.buildId],
    );
    if (!build) throw new GatewayError('not_found', `no build with id ${input.buildId}`);
    if (build.status === 'PENDING') {
      throw new GatewayError(
        'conflict',
        `build ${input.buildId} has no context yet: PUT the gzip context to its upload_url first`,
      );
    }
    if (build.status !== 'UPLOADED') {
      throw new GatewayError(
        'conflict',
        `build ${input.buildId} was triggered already (${build.status})`,
      );
    }
    const now = nowIso();
    let environment: { id: string; name: string } | undefined;
    if (input.registryId) {
      environment = await tx.get(
        'SELECT id, name FROM environments WHERE team_id = $1 AND id = $2',
        [input.teamId, input.registryId],
      );
      if (!environment) {
        throw new GatewayError(
          'not_found',
          `no environment with registry_id ${input.registryId} in the registry`,
        );
      }
    } else {
      await tx.run(
        `INSERT INTO environments (id, team_id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
          ON CONFLICT (team_id, name) DO NOTHING`,
        [newUuid(), input.teamId, input.name, now],
      );
      environment = await tx.get(
        'SELECT id, name FROM environments WHERE team_id = $1 AND name = $2',
        [input.teamId, input.name],
      );
    }
    const { id: environmentId, name } = environment as { id: string; name: string };
    const versions = await tx.all<{ version: string | null }>(
      'SELECT version FROM builds WHERE environment_id = $1',
      [environmentId],
    );
    await tx.run(
      `UPDATE builds SET status = 'QUEUED', environment_id = $2, name = $3, version = $4, no_cache = $5,
         build_args = $6, environment_variables = $7, secret_ids = $8, upload_token_hash = NULL,
         triggered_at = $9
        WHERE id = $1`,
      [
        input.buildId,
        environmentId,
        name,
        nextVersion(versions.map((row) => row.version)),
        flag(input.noCache),
        jsonText(input.buildArgs),
        jsonText(input.environmentVariables),
        jsonText(input.secretIds),
        now,
      ],
    );
    const row = await tx.get<BuildRow>(`SELECT ${COLUMNS} FROM builds WHERE id = $1`, [
      input.buildId,
    ]);
    return toRecord(row as BuildRow);
  }

  async setStatus(
    id: string,
    status: BuildStatus,
    detail: { image?: string; error?: string } = {},
  ): Promise<void> {
    await this.#sql.tx(async (tx) => {
      const now = nowIso();
      const final = FINAL_BUILD_STATUSES.has(status);
      await tx.run(
        `UPDATE builds SET status = $2, image = COALESCE($3, image), error = COALESCE($4, error),
           finished_at = $5 WHERE id = $1`,
        [id, status, detail.image ?? null, detail.error ?? null, final ? now : null],
      );
      if (status !== 'SUCCEEDED') return;
      const build = await tx.get<{ environment_id: string; version: string; image: string }>(
        'SELECT environment_id, version, image FROM builds WHERE id = $1',
        [id],
      );
      if (!build) return;
      await tx.run(
        `UPDATE environments SET latest_version = $2, image = $3, updated_at = $4 WHERE id = $1`,
        [build.environment_id, build.version, build.image, now],
      );
    });
  }

  async failUnfinished(reason: string): Promise<string[]> {
    return this.#sql.tx(async (tx) => {
      const rows = await tx.all<{ id: string }>(
        `SELECT id FROM builds WHERE status IN ('QUEUED', 'BUILDING', 'PUSHING')`,
      );
      await tx.run(
        `UPDATE builds SET status = 'FAILED', error = $1, finished_at = $2
          WHERE status IN ('QUEUED', 'BUILDING', 'PUSHING')`,
        [reason, nowIso()],
      );
      return rows.map((row) => row.id);
    });
  }
}
