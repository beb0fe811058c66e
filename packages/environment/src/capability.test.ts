import { describe, expect, it } from 'vitest';
import { capabilityEndpoint, capabilityManifest } from './capability.js';

const endpointOf = (url: string) => capabilityEndpoint({ name: 'cap', protocol: 'x/1', url });

describe('capabilityEndpoint (urlsplit hostname/port, as hud-python tunnels)', () => {
  it('takes host and port from any scheme', () => {
    expect(endpointOf('ssh://127.0.0.1:40123')).toEqual({ host: '127.0.0.1', port: 40123 });
    expect(endpointOf('tcp://localhost:7/path?q=1#f')).toEqual({ host: 'localhost', port: 7 });
    expect(endpointOf('mcp://user:secret@127.0.0.1:9000/mcp')).toEqual({
      host: '127.0.0.1',
      port: 9000,
    });
  });

  it('unwraps IPv6 literals', () => {
    expect(endpointOf('tcp://[::1]:5900')).toEqual({ host: '::1', port: 5900 });
  });

  it("keeps a port equal to the scheme's default (urlsplit does; WHATWG URL drops it)", () => {
    expect(endpointOf('http://127.0.0.1:80/mcp')).toEqual({ host: '127.0.0.1', port: 80 });
    expect(endpointOf('https://127.0.0.1:443')).toEqual({ host: '127.0.0.1', port: 443 });
    expect(endpointOf('ws://[::1]:80/devtools')).toEqual({ host: '::1', port: 80 });
  });

  it('refuses a url without an explicit port or host, with the hud-python message', () => {
    for (const url of ['http://127.0.0.1/mcp', 'unix:///run/x.sock', 'not a url', 'tcp://:80']) {
      expect(() => endpointOf(url), url).toThrow("capability 'cap' has no host:port to tunnel to");
    }
  });
});

describe('capabilityManifest', () => {
  it('always carries params, copied', () => {
    const params = { user: 'agent' };
    const manifest = capabilityManifest({ name: 's', protocol: 'ssh/2', url: 'ssh://h:1', params });
    expect(manifest).toEqual({ name: 's', protocol: 'ssh/2', url: 'ssh://h:1', params });
    expect(manifest.params).not.toBe(params);
    expect(capabilityManifest({ name: 'v', protocol: 'rfb/3.8', url: 'vnc://h:2' }).params).toEqual(
      {},
    );
  });
});
