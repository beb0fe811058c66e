import type { ControlEndpoint } from './client-options.js';
import { HudError } from './errors.js';

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

/**
 * The TCP endpoint of a control-channel URL: `tcp://host:port`, `//host:port` or bare `host:port`;
 * `[v6]:port` for IPv6; an empty host means 127.0.0.1 (hud-python `connect`, spec §2.8).
 * @throws HudError `unsupported` for any scheme other than `tcp` (there is no stdio or HTTP transport),
 *   `invalid_argument` when the port is missing or out of range.
 */
export function parseControlUrl(url: string): ControlEndpoint {
  let rest = url.trim();
  const scheme = SCHEME.exec(rest);
  if (scheme !== null) {
    if (scheme[1]?.toLowerCase() !== 'tcp') {
      throw new HudError(
        'unsupported',
        `control transport '${scheme[1]}' not supported (only tcp://): ${url}`,
      );
    }
    rest = rest.slice(scheme[0].length);
  } else if (rest.startsWith('//')) {
    rest = rest.slice(2);
  }
  const authority = rest.split(/[/?#]/, 1)[0] ?? '';
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  const match = /^(?:\[([^\]]*)\]|([^:]*))(?::(\d*))?$/.exec(hostPort);
  const host = match?.[1] ?? match?.[2] ?? '';
  const port = Number(match?.[3] ?? '');
  if (match === null || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new HudError('invalid_argument', `control URL ${url} has no valid port`);
  }
  return { host: host === '' ? '127.0.0.1' : host, port };
}

/**
 * The readiness deadline in ms: `params.ready_timeout` (seconds, a positive finite number) when present,
 * else `defaultMs` (hud-python `_runtime_ready_timeout`).
 * @throws HudError `invalid_argument` for any other `ready_timeout` value.
 */
export function readyTimeoutMs(
  params: Readonly<Record<string, unknown>> | undefined,
  defaultMs: number,
): number {
  const raw = params?.ready_timeout;
  if (raw === undefined || raw === null) return defaultMs;
  if (typeof raw !== 'number' || !Number.isFinite(raw) || raw <= 0) {
    throw new HudError(
      'invalid_argument',
      `runtime.params['ready_timeout'] must be a positive finite number of seconds, got ${JSON.stringify(raw)}`,
    );
  }
  return raw * 1000;
}
