import type { Provider } from '@hud/protocol';
import { InProcessRuntime, LocalRuntime, resolveEnvSource, TcpRuntime } from '@hud/runtimes-local';
import { hudModuleFallbacks } from '../module-fallbacks.js';

/** A provider the CLI created, with what to close when the job is done. */
export interface ChosenProvider {
  provider: Provider;
  label: string;
  close(): Promise<void>;
}

/**
 * The provider for `--runtime`: `local` (default; one child process per rollout serving the env file found
 * next to the tasks, with a prewarmed pool), `inprocess` (serve the env inside this process), or a
 * `tcp://host:port` of a running server.
 * @throws Error for an unknown runtime name.
 */
export function chooseProvider(options: {
  runtime: string;
  source: string;
  prewarm: number;
  readyTimeoutMs?: number;
}): ChosenProvider {
  const { runtime } = options;
  if (runtime.startsWith('tcp://')) {
    const provider = TcpRuntime(runtime);
    return { provider, label: runtime, close: async () => {} };
  }
  if (runtime === 'inprocess' || runtime === 'in-process') {
    const provider = InProcessRuntime.forTasks({ readyTimeoutMs: options.readyTimeoutMs });
    return { provider, label: 'inprocess', close: () => provider.close() };
  }
  if (runtime === 'local') {
    const file = resolveEnvSource(options.source);
    const provider = LocalRuntime(file, {
      prewarm: options.prewarm,
      readyTimeoutMs: options.readyTimeoutMs,
      fallbacks: hudModuleFallbacks(),
    });
    return { provider, label: `local (${provider.file})`, close: () => provider.close() };
  }
  if (runtime === 'docker' || runtime.startsWith('docker:')) {
    throw new Error(
      'the docker runtime is not available in this version of hud-ts yet; use local, inprocess or tcp://',
    );
  }
  throw new Error(`unknown runtime '${runtime}': use local, inprocess or tcp://host:port`);
}
