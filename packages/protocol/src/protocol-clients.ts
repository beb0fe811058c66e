import { protocolFamily } from './binding-resolve.js';
import { ClientDefaults, type HudLogger } from './client-options.js';
import { HudError } from './errors.js';
import type { Capability } from './schemas.js';

/** A live client for one capability protocol (an SSH session, an MCP client, ...), owned by a HudClient. */
export interface ProtocolClient {
  /** Releases the connection; called by `HudClient.close()`. */
  close(): Promise<void>;
}

/** What a {@link ProtocolClientFactory} receives besides the binding. */
export interface ProtocolClientContext {
  logger?: HudLogger;
  /**
   * This binding's per-episode data from the last `tasks.start` (`bindings.<name>`, spec §2.5), e.g. a
   * robot's claim token `{token: 'slot-0-1a2b3c4d'}`.
   */
  episode?: Readonly<Record<string, unknown>>;
}

/**
 * Connects a protocol client to a binding whose URL already points at the local forwarder. Throw a
 * connection error (`ECONNREFUSED`, `ECONNRESET`, HudError `connection_closed`/`connection_failed`) to get
 * retried by `HudClient.open`.
 */
export type ProtocolClientFactory<Client extends ProtocolClient = ProtocolClient> = (
  binding: Capability,
  context: ProtocolClientContext,
) => Promise<Client>;

const registry = new Map<string, ProtocolClientFactory>([
  // hud-python maps every `openpi*` protocol to its RobotClient, imported lazily (spec §2.7); so do we,
  // so `ws` loads only when a robot is opened.
  [
    'openpi',
    async (binding, context) => {
      const { openPiClientFactory } = await import('./clients/openpi-client.js');
      return openPiClientFactory(binding, context);
    },
  ],
]);

/**
 * Registers the client `HudClient.open` uses for a protocol: a full id (`ssh/2`) or a family (`openpi`,
 * matching `openpi/0`). A full id wins over its family. Replaces an earlier registration.
 * Source: hud-python 0.6.16 `_CLIENT_REGISTRY` (spec §2.7).
 * @returns a function that removes this registration again.
 */
export function registerProtocolClient(
  protocolId: string,
  factory: ProtocolClientFactory,
): () => void {
  registry.set(protocolId, factory);
  return () => {
    if (registry.get(protocolId) === factory) registry.delete(protocolId);
  };
}

/** The factory registered for `protocol` (exact id first, then its family), if any. */
export function findProtocolClient(protocol: string): ProtocolClientFactory | undefined {
  return registry.get(protocol) ?? registry.get(protocolFamily(protocol));
}

const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE']);

/** Whether `error` is a connection failure worth retrying (Python's `ConnectionError` family). */
export function isConnectionError(error: unknown): boolean {
  if (HudError.isInstance(error)) {
    return error.code === 'connection_closed' || error.code === 'connection_failed';
  }
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CONNECTION_ERROR_CODES.has(code);
}

/**
 * Calls `factory` up to `attempts` times, retrying only connection errors, with a backoff of
 * `baseDelayMs · 2ⁿ` between attempts (hud-python `_connect_capability`: 3 attempts, 0.25 s · 2ⁿ).
 * @throws the last error, or the first error that is not a connection error.
 */
export async function connectProtocolClient<Client extends ProtocolClient>(
  factory: ProtocolClientFactory<Client>,
  binding: Capability,
  options: ProtocolClientContext & { attempts?: number; baseDelayMs?: number } = {},
): Promise<Client> {
  const attempts = options.attempts ?? ClientDefaults.capabilityConnectAttempts;
  const baseDelayMs = options.baseDelayMs ?? ClientDefaults.capabilityConnectBaseDelayMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await factory(binding, { logger: options.logger, episode: options.episode });
    } catch (error) {
      if (!isConnectionError(error) || attempt + 1 >= attempts) throw error;
      options.logger?.debug(
        `connecting ${binding.name} (${binding.protocol}) failed, retrying: ${(error as Error).message}`,
      );
      await new Promise((resolve) => setTimeout(resolve, baseDelayMs * 2 ** attempt));
    }
  }
}
