import {
  brandedError,
  type ProvideOptions,
  type Provider,
  type RuntimeLease,
  type TaskRow,
} from '@hud/protocol';
import { type Sandbox, startSandbox } from './sandbox-server.js';

/** Options of {@link ScaleProvider}. */
export interface ScaleProviderOptions {
  /** How long a create takes, ms, uniformly in `[min, max]` (default `[1000, 5000]`). */
  createLatencyMs?: readonly [number, number];
  /** The share of creates that fail (default 0.02). */
  failureRate?: number;
  /** Creates started per second at most, across all rollouts (default 50). */
  createsPerSecond?: number;
  /** Failed creates retried per acquisition (default 3); a retry waits for its turn like any create. */
  retries?: number;
  /** Seed of the latency and failure draws (default 1): the same seed, the same sequence. */
  seed?: number;
}

/** What a {@link ScaleProvider} did so far. */
export interface ScaleStats {
  /** Creates started (including failed ones and retries). */
  creates: number;
  /** Creates that failed (the simulated infrastructure failure). */
  failedCreates: number;
  /** Creates that were retries of a failed one. */
  retries: number;
  /** Acquisitions that failed after every retry (errored rollouts). */
  gaveUp: number;
  /** Sandboxes running now, and the most at once. */
  live: number;
  peakLive: number;
}

/** A simulated sandbox vendor: see {@link ScaleProvider}. */
export interface ScaleProviderHandle extends Provider {
  readonly stats: Readonly<ScaleStats>;
  /** Stops every sandbox still running. */
  close(): Promise<void>;
}

/**
 * Every create of a {@link ScaleProvider} acquisition failed: an infrastructure failure (phase
 * `provisioning`), never a grade.
 */
export class ScaleCreateError extends brandedError('ScaleCreateError', 'hud.scale-create-error') {
  readonly code = 'create_failed';
  readonly phase = 'provisioning';
}

/** A deterministic PRNG (mulberry32) in [0, 1). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * A fake sandbox vendor for scale simulations: each acquisition waits for a create slot (creates are
 * rate-limited to `createsPerSecond`), "creates" a sandbox in `createLatencyMs`, which fails with
 * probability `failureRate` (then it is retried, up to `retries` times, each retry an infrastructure
 * event, never a reward), and serves the rollout from a {@link startSandbox} server on loopback. Disposing
 * the lease stops the sandbox.
 * @throws (from an acquisition) ScaleCreateError naming the failed creates when every attempt
 *   failed; `signal.reason` on abort.
 */
export function ScaleProvider(options: ScaleProviderOptions = {}): ScaleProviderHandle {
  const [minMs, maxMs] = options.createLatencyMs ?? [1000, 5000];
  const failureRate = options.failureRate ?? 0.02;
  const gapMs = 1000 / (options.createsPerSecond ?? 50);
  const retries = options.retries ?? 3;
  const draw = random(options.seed ?? 1);
  const stats: ScaleStats = {
    creates: 0,
    failedCreates: 0,
    retries: 0,
    gaveUp: 0,
    live: 0,
    peakLive: 0,
  };
  const running = new Set<Sandbox>();
  let nextSlot = 0;

  /** Waits for the next create slot of the rate limit. */
  const turn = (signal?: AbortSignal) => {
    const now = performance.now();
    const at = Math.max(now, nextSlot);
    nextSlot = at + gapMs;
    return sleep(at - now, signal);
  };

  const create = async (attempt: number, signal?: AbortSignal): Promise<Sandbox> => {
    await turn(signal);
    stats.creates++;
    if (attempt > 0) stats.retries++;
    const latency = minMs + draw() * (maxMs - minMs);
    const fails = draw() < failureRate;
    await sleep(latency, signal);
    if (fails) {
      stats.failedCreates++;
      throw new Error(`simulated create failure after ${Math.round(latency)} ms`);
    }
    return startSandbox();
  };

  const provider = async (
    task: TaskRow,
    provideOptions: ProvideOptions = {},
  ): Promise<RuntimeLease> => {
    const { signal } = provideOptions;
    const failures: string[] = [];
    for (let attempt = 0; attempt <= retries; attempt++) {
      let sandbox: Sandbox;
      try {
        sandbox = await create(attempt, signal);
      } catch (error) {
        signal?.throwIfAborted();
        failures.push(error instanceof Error ? error.message : String(error));
        continue;
      }
      running.add(sandbox);
      stats.live++;
      stats.peakLive = Math.max(stats.peakLive, stats.live);
      let released = false;
      const release = async () => {
        if (released) return;
        released = true;
        running.delete(sandbox);
        stats.live--;
        await sandbox.close();
      };
      return {
        url: sandbox.url,
        params: { provider: 'scale', instance_id: sandbox.url },
        [Symbol.asyncDispose]: release,
      };
    }
    stats.gaveUp++;
    throw new ScaleCreateError(
      `sandbox for '${task.slug}' could not be created: ${failures.length} attempts failed (${failures.join('; ')})`,
    );
  };
  return Object.assign(provider, {
    stats,
    close: async () => {
      await Promise.all([...running].map((sandbox) => sandbox.close()));
      running.clear();
    },
  }) as ScaleProviderHandle;
}
