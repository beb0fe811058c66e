import { HudError } from '@hud/protocol';
import { thrownBy } from '@hud/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Environment } from './environment.js';

const shell = {
  name: 'shell',
  protocol: 'ssh/2',
  url: 'ssh://127.0.0.1:2222',
  params: { user: 'a' },
};

describe('Environment identity', () => {
  it('defaults to hud-python name and version', () => {
    const env = new Environment();
    expect([env.name, env.version]).toEqual(['environment', '0.0.1']);
    const named = new Environment({ name: 'counter', version: '0.1.0' });
    expect([named.name, named.version]).toEqual(['counter', '0.1.0']);
  });

  it('recognises environments by brand, across package copies', () => {
    expect(Environment.isInstance(new Environment())).toBe(true);
    expect(Environment.isInstance({ name: 'x' })).toBe(false);
    expect(Environment.isInstance(null)).toBe(false);
    expect(Environment.isInstance({ [Symbol.for('hud.environment')]: true })).toBe(true);
  });
});

describe('capabilities', () => {
  it('publishes constructor capabilities in order, as a manifest with params always present', () => {
    const env = new Environment({
      capabilities: [
        shell,
        { name: 'mcp', protocol: 'mcp/2025-11-25', url: 'http://127.0.0.1:1/mcp' },
      ],
    });
    expect(env.manifest()).toEqual([
      { name: 'shell', protocol: 'ssh/2', url: 'ssh://127.0.0.1:2222', params: { user: 'a' } },
      { name: 'mcp', protocol: 'mcp/2025-11-25', url: 'http://127.0.0.1:1/mcp', params: {} },
    ]);
  });

  it('replaces a capability of the same name and moves it to the end', () => {
    const env = new Environment({ capabilities: [shell] });
    env.addCapability({ name: 'vnc', protocol: 'rfb/3.8', url: 'vnc://127.0.0.1:5900' });
    env.addCapability({ ...shell, url: 'ssh://127.0.0.1:3333' });
    expect(env.capabilities.map((capability) => [capability.name, capability.url])).toEqual([
      ['vnc', 'vnc://127.0.0.1:5900'],
      ['shell', 'ssh://127.0.0.1:3333'],
    ]);
  });

  it('refuses a capability without a url', () => {
    const env = new Environment();
    const error = thrownBy(() => env.addCapability({ name: 'shell', protocol: 'ssh/2', url: '' }));
    expect(HudError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'invalid_argument' });
    expect((error as Error).message).toMatch(/^capability 'shell' has no url: start its service/);
    expect(env.capabilities).toHaveLength(0);
    expect(() => new Environment({ capabilities: [{ ...shell, url: '' }] })).toThrow(HudError);
  });

  it('finds a capability by exact name, else throws capability_not_found', () => {
    const env = new Environment({ capabilities: [shell] });
    expect(env.capability('shell')).toBe(shell);
    const error = thrownBy(() => env.capability('Shell'));
    expect(error).toMatchObject({
      code: 'capability_not_found',
      message: "unknown capability: 'Shell'",
    });
  });

  it('does not let a manifest edit change the published capability', () => {
    const env = new Environment({ capabilities: [shell] });
    const [manifest] = env.manifest();
    (manifest as { params: Record<string, unknown> }).params.user = 'mallory';
    expect(env.capability('shell').params).toEqual({ user: 'a' });
  });

  it('warns when a capability is added after start (clients connected earlier miss it)', async () => {
    const env = new Environment();
    const warnings: string[] = [];
    env.warn = (message) => warnings.push(message);
    env.addCapability(shell);
    expect(warnings).toEqual([]);
    await env.start();
    env.addCapability({ name: 'late', protocol: 'x/1', url: 'tcp://127.0.0.1:9' });
    expect(warnings).toEqual([
      "capability 'late' added after start: clients connected earlier do not see it",
    ]);
  });
});

describe('lifecycle hooks', () => {
  it('initialize and shutdown return the hook (usable as decorators)', () => {
    const env = new Environment();
    const hook = async () => {};
    expect(env.initialize(hook)).toBe(hook);
    expect(env.shutdown(hook)).toBe(hook);
  });

  it('start runs initialize hooks once, in order; stop runs shutdown hooks in reverse', async () => {
    const env = new Environment();
    const events: string[] = [];
    env.initialize(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      events.push('init 1');
    });
    env.initialize(() => void events.push('init 2'));
    env.shutdown(() => void events.push('stop 1'));
    env.shutdown(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      events.push('stop 2');
    });
    await Promise.all([env.start(), env.start()]);
    await env.start();
    expect(events).toEqual(['init 1', 'init 2']);
    await env.stop();
    expect(events).toEqual(['init 1', 'init 2', 'stop 2', 'stop 1']);
    // After stop, start runs the hooks again.
    await env.start();
    expect(events.slice(4)).toEqual(['init 1', 'init 2']);
  });

  it('start propagates a failing initialize hook; later hooks do not run', async () => {
    const env = new Environment();
    const events: string[] = [];
    env.initialize(() => {
      throw new Error('port in use');
    });
    env.initialize(() => void events.push('never'));
    await expect(env.start()).rejects.toThrow('port in use');
    expect(events).toEqual([]);
  });

  it('stop reports a failing shutdown hook through warn and still runs the others', async () => {
    const env = new Environment();
    const events: string[] = [];
    const warnings: string[] = [];
    env.warn = (message) => warnings.push(message);
    env.shutdown(() => void events.push('first registered'));
    env.shutdown(() => {
      throw new Error('daemon already gone');
    });
    env.shutdown(() => void events.push('last registered'));
    await expect(env.stop()).resolves.toBeUndefined();
    expect(events).toEqual(['last registered', 'first registered']);
    expect(warnings).toEqual(['shutdown hook failed: daemon already gone']);
  });

  it('does not warn about capabilities added by initialize hooks themselves', async () => {
    const env = new Environment();
    const warnings: string[] = [];
    env.warn = (message) => warnings.push(message);
    env.initialize(() => env.addCapability(shell));
    await env.start();
    expect(warnings).toEqual([]);
    expect(env.capability('shell')).toBe(shell);
  });
});

describe('template typing (checked by tsc)', () => {
  it('types the answer as a string for plain templates and as a TypedAnswer with returns', () => {
    const env = new Environment();
    const count = env.template(
      { id: 'count', args: z.object({ word: z.string(), letter: z.string() }) },
      async function* ({ word, letter }) {
        const answer = yield `How many '${letter}' in '${word}'?`;
        yield answer.trim() === String([...word].filter((char) => char === letter).length) ? 1 : 0;
        // @ts-expect-error a plain template's answer is a string, not a TypedAnswer
        answer.valid;
      },
    );
    env.template(
      { id: 'typed', args: z.object({ n: z.int() }), returns: z.object({ x: z.int() }) },
      async function* ({ n }) {
        const answer = yield `x for ${n}`;
        if (answer.valid) yield answer.content.x === n ? 1 : 0;
        else yield answer.raw.length > 0 ? 0 : 0;
      },
    );
    // @ts-expect-error factories take the args schema's input type
    expect(() => count({ word: 1, letter: 'a' })).toThrow(HudError);
    expect(count({ word: 'banana', letter: 'a' }).id).toBe('count');
  });
});
