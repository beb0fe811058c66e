import {
  type ProvideOptions,
  parseControlUrl,
  type Runtime,
  type RuntimeLease,
  type TaskRow,
} from '@hud/protocol';

/** A provider handing out a borrowed server's address for every task. */
export interface TcpProvider {
  /** Leases the borrowed address; the task row is ignored and releasing does nothing. */
  (task?: TaskRow, options?: ProvideOptions): Promise<RuntimeLease>;
  /** The borrowed runtime (URL and params). */
  readonly runtime: Runtime;
}

function toRuntime(target: string | Runtime, params?: Readonly<Record<string, unknown>>): Runtime {
  const runtime = typeof target === 'string' ? { url: target } : target;
  // Fail at construction on a URL the client could never connect to.
  parseControlUrl(runtime.url);
  const merged = { ...runtime.params, ...params };
  return { url: runtime.url, params: merged };
}

/**
 * The lease of a server someone else started (`hud serve`, a container): its address and params
 * (e.g. `ready_timeout` in seconds, read by `HudClient.connect`), with nothing to tear down
 * (hud-python's bare `Runtime` returns `nullcontext(self)`).
 * @param target `tcp://host:port` (or `host:port`), or a {@link Runtime}.
 * @param params merged over the runtime's own params.
 * @throws HudError `unsupported` for a non-tcp scheme, `invalid_argument` for a URL without a valid port.
 * @example
 * await using runtime = attachRuntime('tcp://127.0.0.1:8765', { ready_timeout: 5 });
 * await using client = await HudClient.connect(runtime);
 */
export function attachRuntime(
  target: string | Runtime,
  params?: Readonly<Record<string, unknown>>,
): RuntimeLease {
  const runtime = toRuntime(target, params);
  return {
    url: runtime.url,
    params: runtime.params,
    async [Symbol.asyncDispose]() {},
  };
}

/**
 * A provider for a borrowed server (docs/architecture.md §4 `tcp://host:port`): every acquisition leases the same address;
 * releasing never stops the server, which its owner manages.
 * @param target `tcp://host:port` (or `host:port`), or a {@link Runtime} whose params pass through.
 * @throws HudError `unsupported` for a non-tcp scheme, `invalid_argument` for a URL without a valid port.
 * @example
 * const provider = TcpRuntime('tcp://127.0.0.1:8765');
 * await using runtime = await provider(task);
 */
export function TcpRuntime(
  target: string | Runtime,
  options: { params?: Readonly<Record<string, unknown>> } = {},
): TcpProvider {
  const runtime = toRuntime(target, options.params);
  const provider = async () => attachRuntime(runtime);
  return Object.defineProperty(provider, 'runtime', {
    value: runtime,
    enumerable: true,
  }) as TcpProvider;
}
