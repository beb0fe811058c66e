import { HudError } from '@hud/protocol';

/**
 * A live capability as an environment publishes it in `hello.bindings` (hud-python `Capability`):
 * `{name, protocol, url, params}`, e.g. `{name: 'shell', protocol: 'ssh/2', url: 'ssh://127.0.0.1:40123', params: {...}}`.
 */
export interface CapabilityRecord {
  readonly name: string;
  /** Protocol id, e.g. `ssh/2`, `mcp/2025-11-25`, `cdp/1.3`, `rfb/3.8`. */
  readonly protocol: string;
  /** Where the daemon listens, usually on 127.0.0.1; agents reach it through `tunnel.open`. */
  readonly url: string;
  readonly params?: Readonly<Record<string, unknown>>;
}

/** The manifest form of a capability (`params` always present), as `hello` sends it. */
export function capabilityManifest(capability: CapabilityRecord): {
  name: string;
  protocol: string;
  url: string;
  params: Record<string, unknown>;
} {
  return {
    name: capability.name,
    protocol: capability.protocol,
    url: capability.url,
    params: { ...(capability.params ?? {}) },
  };
}

/**
 * The host and port a tunnel to `capability` connects to.
 * @throws HudError `invalid_argument` with hud-python's message when the URL has no host:port.
 */
export function capabilityEndpoint(capability: CapabilityRecord): { host: string; port: number } {
  let parsed: URL | undefined;
  try {
    parsed = new URL(capability.url);
  } catch {
    parsed = undefined;
  }
  // WHATWG URL drops a port equal to the scheme's default (`http://h:80`); Python's urlsplit keeps it.
  const explicitPort = /^[^:/?#]+:\/\/(?:[^@/?#]*@)?(?:\[[^\]]*\]|[^:/?#]*):(\d+)(?:[/?#]|$)/.exec(
    capability.url,
  )?.[1];
  const port = parsed?.port ? Number(parsed.port) : Number(explicitPort ?? Number.NaN);
  const host = parsed?.hostname.replace(/^\[(.*)\]$/, '$1') ?? '';
  if (!host || !Number.isInteger(port)) {
    throw new HudError(
      'invalid_argument',
      `capability '${capability.name}' has no host:port to tunnel to`,
    );
  }
  return { host, port };
}
