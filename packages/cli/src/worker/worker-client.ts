/**
 * The worker's calls to the gateway (`/v2/workers/claim`, `/heartbeat`, `/complete`) with the worker's own
 * HUD key, through the CLI's {@link PlatformClient} (errors as PlatformError, the key never in a message).
 */
import pRetry, { AbortError } from 'p-retry';
import { PlatformClient, PlatformError } from '../platform/client.js';
import { platformUrls } from '../platform/urls.js';
import {
  ClaimReply,
  type Completion,
  HeartbeatReply,
  type Lease,
  type LeaseState,
  type WorkerRuntime,
} from './lease.js';

/** What a worker says about itself when it claims. */
export interface WorkerIdentity {
  /** 32 hex, new per process. */
  workerId: string;
  /** `--name`, shown by the gateway. */
  name: string;
  runtimes: readonly WorkerRuntime[];
}

/** True for a failure worth retrying: the gateway unreachable or answering 5xx. */
export function isUnavailable(error: unknown): boolean {
  return PlatformError.isInstance(error) && error.code === 'unavailable';
}

/** The longest a completion is retried while the gateway is unreachable, ms (its lease expires by then). */
export const COMPLETE_RETRY_MS = 120_000;

/** Client of the worker routes of one gateway. */
export class WorkerClient {
  readonly platform: PlatformClient;
  readonly #identity: WorkerIdentity;

  /**
   * @param gateway the gateway's base URL (`--gateway`, else `HUD_API_URL`).
   * @param apiKey the worker's HUD key (`HUD_API_KEY`).
   * @throws Error when `gateway` is not an http(s) URL.
   */
  constructor(
    gateway: string,
    apiKey: string,
    identity: WorkerIdentity,
    options: { fetch?: typeof fetch } = {},
  ) {
    this.platform = new PlatformClient({
      urls: platformUrls({ HUD_API_URL: gateway }),
      apiKey,
      retries: 0,
      // A claim long-polls up to 20 s.
      timeoutMs: 40_000,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    this.#identity = identity;
  }

  /**
   * `POST /v2/workers/claim`: up to `capacity` leases, waiting up to `waitS` seconds when none is ready.
   * @throws PlatformError (`unavailable` when the gateway cannot be reached; `unauthorized`, `forbidden`
   *   for the key; `bad_response` for a lease this CLI cannot read).
   */
  async claim(capacity: number, waitS: number, signal?: AbortSignal): Promise<Lease[]> {
    const reply = await this.platform.post(
      '/v2/workers/claim',
      {
        worker_id: this.#identity.workerId,
        name: this.#identity.name,
        runtimes: this.#identity.runtimes,
        capacity,
        wait_s: waitS,
      },
      { schema: ClaimReply, ...(signal ? { signal } : {}) },
    );
    return reply.leases;
  }

  /**
   * `POST /v2/workers/heartbeat` for `leaseIds`: each lease's state (a lease the gateway leaves out of its
   * answer counts as `active`).
   * @throws PlatformError as {@link claim}.
   */
  async heartbeat(leaseIds: readonly string[]): Promise<Map<string, LeaseState>> {
    const reply = await this.platform.post(
      '/v2/workers/heartbeat',
      { worker_id: this.#identity.workerId, lease_ids: leaseIds },
      { schema: HeartbeatReply },
    );
    return new Map(reply.leases.map((lease) => [lease.lease_id, lease.state]));
  }

  /**
   * `POST /v2/workers/complete`: records the verdict (or gives the lease back with `retry`). Retried with
   * backoff while the gateway is unreachable, for at most {@link COMPLETE_RETRY_MS}.
   * @returns `recorded`, or `lost` when the gateway answered 409 (the lease expired or was completed
   *   already: the result is dropped).
   * @throws PlatformError when the gateway refuses it otherwise or stays unreachable.
   */
  async complete(leaseId: string, completion: Completion): Promise<'recorded' | 'lost'> {
    const send = async () => {
      try {
        await this.platform.post('/v2/workers/complete', { lease_id: leaseId, ...completion });
        return 'recorded' as const;
      } catch (error) {
        if (PlatformError.isInstance(error) && error.code === 'conflict') return 'lost' as const;
        if (!isUnavailable(error)) throw new AbortError(error as Error);
        throw error;
      }
    };
    return pRetry(send, {
      retries: Number.POSITIVE_INFINITY,
      minTimeout: 250,
      maxTimeout: 5_000,
      maxRetryTime: COMPLETE_RETRY_MS,
    });
  }
}
