import { describe, expect, it } from 'vitest';
import { thrownHudError } from './__fixtures__/thrown.js';
import { forwardedBindingUrl, parseBindingUrl } from './binding-url.js';

describe('forwardedBindingUrl', () => {
  it('replaces host and port with the forwarder', () => {
    expect(forwardedBindingUrl('tcp://127.0.0.1:43579', 40001)).toBe('tcp://127.0.0.1:40001');
  });

  it('keeps the username (recorded: ssh://agent@10.0.0.1:22 → ssh://agent@127.0.0.1:<port>)', () => {
    expect(forwardedBindingUrl('ssh://agent@10.0.0.1:22', 40001)).toBe(
      'ssh://agent@127.0.0.1:40001',
    );
  });

  it('drops the password', () => {
    expect(forwardedBindingUrl('ssh://agent:s3cret@10.0.0.1:22', 40001)).toBe(
      'ssh://agent@127.0.0.1:40001',
    );
  });

  it('handles an IPv6 host and keeps path, query and fragment', () => {
    expect(forwardedBindingUrl('ws://user:pw@[fd00::1]:9222/devtools/browser?x=1#top', 40001)).toBe(
      'ws://user@127.0.0.1:40001/devtools/browser?x=1#top',
    );
  });

  it('keeps an http path and lowercases the scheme, as urlsplit does', () => {
    expect(forwardedBindingUrl('HTTP://10.0.0.1:8080/mcp', 40001)).toBe(
      'http://127.0.0.1:40001/mcp',
    );
  });

  it('drops an empty query or fragment, as urlunsplit does', () => {
    expect(forwardedBindingUrl('vnc://10.0.0.1:5900/?#', 40001)).toBe('vnc://127.0.0.1:40001/');
  });

  it('gives a host-less URL the forwarder as its netloc', () => {
    expect(forwardedBindingUrl('unix:/run/x.sock', 40001)).toBe(
      'unix://127.0.0.1:40001/run/x.sock',
    );
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
