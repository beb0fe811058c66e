import { describe, expect, it } from 'vitest';
import { thrownHudError } from './__fixtures__/thrown.js';
import { forwardedBindingUrl, parseBindingUrl } from './binding-url.js';

describe('forwardedBindingUrl', () => {
  // What hud-python's urlsplit/urlunsplit rewrite gives for forwarder port 40001.
  it.each([
    ['replaces host and port with the forwarder', 'tcp://127.0.0.1:43579', 'tcp://127.0.0.1:40001'],
    // recorded: ssh://agent@10.0.0.1:22 → ssh://agent@127.0.0.1:<port>
    ['keeps the username', 'ssh://agent@10.0.0.1:22', 'ssh://agent@127.0.0.1:40001'],
    ['drops the password', 'ssh://agent:s3cret@10.0.0.1:22', 'ssh://agent@127.0.0.1:40001'],
    [
      'handles an IPv6 host and keeps path, query and fragment',
      'ws://user:pw@[fd00::1]:9222/devtools/browser?x=1#top',
      'ws://user@127.0.0.1:40001/devtools/browser?x=1#top',
    ],
    [
      'keeps an http path and lowercases the scheme, as urlsplit does',
      'HTTP://10.0.0.1:8080/mcp',
      'http://127.0.0.1:40001/mcp',
    ],
    [
      'drops an empty query or fragment, as urlunsplit does',
      'vnc://10.0.0.1:5900/?#',
      'vnc://127.0.0.1:40001/',
    ],
    [
      'gives a host-less URL the forwarder as its netloc',
      'unix:/run/x.sock',
      'unix://127.0.0.1:40001/run/x.sock',
    ],
  ])('%s: %s', (_what, url, forwarded) => {
    expect(forwardedBindingUrl(url, 40001)).toBe(forwarded);
  });
});

describe('parseBindingUrl', () => {
  it('parses the URL, and refuses one that does not parse naming the kind, capability and URL', () => {
    expect(parseBindingUrl({ name: 'tools', url: 'http://127.0.0.1:9/mcp' }).port).toBe('9');
    const refusal = (kind?: string) =>
      thrownHudError(() => parseBindingUrl({ name: 'tools', url: 'not a url' }, kind));
    expect(refusal('MCP')).toMatchObject({
      code: 'invalid_argument',
      message: "MCP capability 'tools' has an invalid url: not a url",
    });
    expect(refusal().message).toBe("capability 'tools' has an invalid url: not a url");
  });
});
