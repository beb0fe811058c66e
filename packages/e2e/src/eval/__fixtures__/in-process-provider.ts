import { bind, type Environment } from '@hud/environment';
import type { Provider, RuntimeLease } from '@hud/protocol';

/** A test Provider serving `env` in this process, one control port per lease, counting leases. */
export interface CountingProvider {
  provider: Provider;
  /** Leases handed out. */
  acquired: number;
  /** Leases handed out and not disposed yet. */
  active: number;
}

/** One server per lease (`bind()`, no hooks), closed when the lease is disposed. */
export function perLeaseProvider(env: Environment): CountingProvider {
  const state: CountingProvider = {
    acquired: 0,
    active: 0,
    provider: async () => {
      const server = await bind(env);
      state.acquired++;
      state.active++;
      let disposed = false;
      const lease: RuntimeLease = {
        url: server.url,
        [Symbol.asyncDispose]: async () => {
          if (disposed) return;
          disposed = true;
          state.active--;
          await server.close();
        },
      };
      return lease;
    },
  };
  return state;
}

/**
 * Leases of one shared server whose disposal leaves the server running, so a task it was running ends
 * only if the client sent `tasks.cancel` (closing the connection would just park it).
 */
export async function sharedServerProvider(
  env: Environment,
): Promise<CountingProvider & AsyncDisposable> {
  const server = await bind(env);
  const state: CountingProvider & AsyncDisposable = {
    acquired: 0,
    active: 0,
    provider: async () => {
      state.acquired++;
      state.active++;
      return {
        url: server.url,
        [Symbol.asyncDispose]: async () => {
          state.active--;
        },
      };
    },
    [Symbol.asyncDispose]: () => server.close(),
  };
  return state;
}
