// Test helpers: what a provider logged, and closing the providers a test file made.
import type { Logger } from '@hud/environment';
import { afterEach } from 'vitest';
import type { LocalProvider } from '../local-runtime.js';

/** A logger recording debug lines, from which the pids a provider spawned are read. */
export function recordingLogger(): Logger & { lines: string[]; spawnedPids(): number[] } {
  const lines: string[] = [];
  return {
    lines,
    debug: (message) => lines.push(message),
    warn: (message) => lines.push(message),
    error: (message) => lines.push(message),
    spawnedPids: () =>
      lines.flatMap((line) => {
        const match = /spawned pid (\d+)/.exec(line);
        return match ? [Number(match[1])] : [];
      }),
  };
}

/**
 * A `track(provider)` for the calling test file: every provider it is given is closed after each test
 * (registers the `afterEach`).
 */
export function trackProviders(): (provider: LocalProvider) => LocalProvider {
  const providers: LocalProvider[] = [];
  afterEach(async () => {
    await Promise.all(providers.splice(0).map((provider) => provider.close()));
  });
  return (provider) => {
    providers.push(provider);
    return provider;
  };
}
