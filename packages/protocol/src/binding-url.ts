import { HudError } from './errors.js';

// urlsplit's grammar (RFC 3986 appendix B): scheme, //netloc, path, ?query, #fragment.
const URL_PARTS =
  /^(?:([A-Za-z][A-Za-z0-9+.-]*):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/s;

/**
 * The URL of a binding routed through a loopback forwarder: the host and port become `127.0.0.1:<port>`, the
 * username is kept, the password dropped, and scheme, path, query and fragment stay as they were
 * (`ssh://agent:pw@[fd00::1]:22/x?y#z` → `ssh://agent@127.0.0.1:40000/x?y#z`).
 * Source: hud-python 0.6.16 `HudClient.hello` (`urlsplit`/`urlunsplit`), spec §2.7.
 */
export function forwardedBindingUrl(url: string, port: number): string {
  const parts = URL_PARTS.exec(url);
  const scheme = parts?.[1]?.toLowerCase() ?? '';
  const netloc = parts?.[2] ?? '';
  let path = parts?.[3] ?? '';
  const query = parts?.[4] ?? '';
  const fragment = parts?.[5] ?? '';
  const at = netloc.lastIndexOf('@');
  const username = at === -1 ? '' : (netloc.slice(0, at).split(':', 1)[0] ?? '');
  if (path !== '' && !path.startsWith('/')) path = `/${path}`;
  let result = `//${username ? `${username}@` : ''}127.0.0.1:${port}${path}`;
  if (scheme) result = `${scheme}:${result}`;
  if (query) result += `?${query}`;
  if (fragment) result += `#${fragment}`;
  return result;
}

/**
 * The `url` of capability `binding`, parsed (WHATWG URL).
 * @param kind the capability's kind as messages name it (`CDP`, `MCP`), if any.
 * @throws HudError `invalid_argument` naming the capability and its URL when the URL does not parse.
 */
export function parseBindingUrl(binding: { name: string; url: string }, kind?: string): URL {
  try {
    return new URL(binding.url);
  } catch (cause) {
    throw new HudError(
      'invalid_argument',
      `${kind === undefined ? '' : `${kind} `}capability '${binding.name}' has an invalid url: ${binding.url}`,
      { cause },
    );
  }
}
