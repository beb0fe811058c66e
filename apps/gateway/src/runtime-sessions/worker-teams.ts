import type { AuthContext } from '../http/auth.js';

/**
 * Which teams a worker key serves: its own team, or every team (`'all'`) for an admin key of the
 * gateway's first team (the bootstrap team), the same rule as the rollout queue's workers. The first team
 * is looked up once, then remembered (it never changes).
 */
export class WorkerTeams {
  readonly #firstTeamId: () => Promise<string | undefined>;
  #firstTeam: string | undefined;

  /** @param firstTeamId the gateway's first team (the store's `rolloutQueue.firstTeamId`). */
  constructor(firstTeamId: () => Promise<string | undefined>) {
    this.#firstTeamId = firstTeamId;
  }

  /** `'all'` or the key's team id. */
  async of(auth: AuthContext): Promise<'all' | string> {
    if (auth.role !== 'admin') return auth.teamId;
    this.#firstTeam ??= await this.#firstTeamId();
    return auth.teamId === this.#firstTeam ? 'all' : auth.teamId;
  }
}
