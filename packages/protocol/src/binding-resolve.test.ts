import { describe, expect, it } from 'vitest';
import { thrownHudError } from './__fixtures__/thrown.js';
import { resolveBinding } from './binding-resolve.js';
import type { Capability } from './schemas.js';

const binding = (name: string, protocol: string): Capability => ({
  name,
  protocol,
  url: `tcp://127.0.0.1:1/${name}`,
  params: {},
});
const echo = binding('echo', 'tcp-echo/1');
const dead = binding('dead', 'tcp-echo/1');
const shell = binding('shell', 'ssh/2');
const tools = binding('tools', 'mcp/2025-11-25');

describe('resolveBinding', () => {
  it('matches the exact name', () => {
    expect(resolveBinding([echo, shell, tools], 'shell')).toBe(shell);
  });

  it('matches the full protocol id', () => {
    expect(resolveBinding([echo, shell, tools], 'mcp/2025-11-25')).toBe(tools);
  });

  it('matches the protocol family', () => {
    expect(resolveBinding([echo, shell, tools], 'ssh')).toBe(shell);
  });

  it('does not match a prefix that is not the family', () => {
    expect(thrownHudError(() => resolveBinding([shell], 'ss')).code).toBe('capability_not_found');
  });

  it('reports an ambiguous ref with every match, as hud-python does', () => {
    const error = thrownHudError(() => resolveBinding([echo, dead, shell], 'tcp-echo'));
    expect(error.code).toBe('capability_ambiguous');
    expect(error.message).toBe(
      "ambiguous capability 'tcp-echo'; matches: echo (tcp-echo/1), dead (tcp-echo/1)",
    );
  });

  it('reports an unknown ref with what is available', () => {
    const error = thrownHudError(() => resolveBinding([echo, dead], 'nope'));
    expect(error.code).toBe('capability_not_found');
    expect(error.message).toBe(
      "no capability 'nope' (available: echo (tcp-echo/1), dead (tcp-echo/1))",
    );
  });

  it('says <none> when there are no bindings, and quotes like Python repr', () => {
    expect(thrownHudError(() => resolveBinding([], "it's")).message).toBe(
      `no capability "it's" (available: <none>)`,
    );
  });
});
