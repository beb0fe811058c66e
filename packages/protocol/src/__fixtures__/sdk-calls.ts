import { expect } from 'vitest';
import type { Manifest } from '../client.js';
import { HudError, ProtocolError } from '../errors.js';
import type { Capability } from '../schemas.js';
import { type PyValue, parsePythonRepr } from './python-repr.js';
import type { SdkCall } from './scripted-server.js';

/** One step of a replay: our call standing for the recorded Python call, and how to compare its value. */
export interface Step {
  run: () => unknown;
  /** Compares a returned value with the recorded `returned` (default: deep equality; `None` ≙ undefined). */
  check?: (value: unknown, returned: unknown) => unknown;
}

/** Runs `steps` in order against `records` (same length), comparing each outcome with the recording. */
export async function replay(records: readonly SdkCall[], steps: readonly Step[]): Promise<void> {
  expect(steps.length, 'one step per recorded sdk call').toBe(records.length);
  for (const [index, step] of steps.entries()) {
    const record = records[index] as SdkCall;
    let value: unknown;
    let error: unknown;
    let raised = false;
    try {
      value = await step.run();
    } catch (caught) {
      error = caught;
      raised = true;
    }
    if (record.raised !== undefined) {
      expect(raised, `${record.call} should raise ${record.raised}`).toBe(true);
      expectPythonError(record, error);
    } else {
      if (raised) throw new Error(`${record.call} raised instead of returning`, { cause: error });
      if (step.check !== undefined) await step.check(value, record.returned);
      else if (record.returned === null) expect(value, record.call).toBeUndefined();
      else expect(value, record.call).toEqual(record.returned);
    }
  }
}

/** `str(KeyError(x))` is `repr(x)`: strips that one layer of quotes. */
function keyErrorArgument(message: string): string {
  const parsed = parsePythonRepr(message);
  return typeof parsed === 'string' ? parsed : message;
}

/**
 * Maps a recorded Python exception to ours: HudProtocolError → ProtocolError (same code and text);
 * KeyError from binding() → HudError capability_not_found/_ambiguous, KeyError('url') from hello() →
 * ProtocolError -32603 naming 'url'; ValueError → no_protocol_client (same text) or frame_too_large;
 * EOFError and ConnectionResetError → HudError connection_closed containing Python's text.
 */
export function expectPythonError(record: SdkCall, error: unknown): void {
  const message = record.message ?? '';
  const context = `${record.call} → ${record.raised}: ${message}`;
  const ours = error as Error;
  switch (record.raised) {
    case 'hud.clients.client.HudProtocolError':
      expect(ProtocolError.isInstance(error), context).toBe(true);
      expect((error as ProtocolError).code, context).toBe(record.code);
      expect(ours.message, context).toBe(message);
      return;
    case 'KeyError':
    case 'builtins.KeyError': {
      const argument = keyErrorArgument(message);
      if (argument === 'url') {
        expect(ProtocolError.isInstance(error), context).toBe(true);
        expect((error as ProtocolError).code, context).toBe(-32603);
        expect(ours.message, context).toContain(message);
        return;
      }
      expect(HudError.isInstance(error), context).toBe(true);
      expect((error as HudError).code, context).toBe(
        argument.startsWith('ambiguous') ? 'capability_ambiguous' : 'capability_not_found',
      );
      expect(ours.message, context).toBe(argument);
      return;
    }
    case 'builtins.ValueError':
      expect(HudError.isInstance(error), context).toBe(true);
      if (message.startsWith('no client registered')) {
        expect((error as HudError).code, context).toBe('no_protocol_client');
        expect(ours.message, context).toBe(message);
      } else {
        // asyncio's "Separator is not found, and chunk exceed the limit": our frame limit.
        expect(message, context).toContain('exceed the limit');
        expect((error as HudError).code, context).toBe('frame_too_large');
      }
      return;
    case 'builtins.EOFError':
      expect(HudError.isInstance(error), context).toBe(true);
      expect((error as HudError).code, context).toBe('connection_closed');
      expect(ours.message, context).toContain(message);
      return;
    case 'builtins.ConnectionResetError':
      expect(HudError.isInstance(error), context).toBe(true);
      expect((error as HudError).code, context).toBe('connection_closed');
      expect(ours.message.toLowerCase(), context).toContain(message.toLowerCase());
      return;
    default:
      throw new Error(`no mapping for Python exception ${record.raised} (${context})`);
  }
}

function asRecord(value: PyValue | undefined): Record<string, PyValue> {
  expect(typeof value === 'object' && value !== null && !Array.isArray(value)).toBe(true);
  return value as Record<string, PyValue>;
}

function capabilityFields(repr: PyValue | undefined) {
  const capability = asRecord(repr);
  expect(capability.__class__).toBe('Capability');
  return {
    name: capability.name,
    protocol: capability.protocol,
    url: capability.url as string,
    params: capability.params,
  };
}

/**
 * Compares our manifest with a recorded `Manifest(...)` repr: session id, protocol version, env identity and
 * every binding (name, protocol, params, and the URL after `rewriteUrl`, the scripted server's rewrites).
 */
export function expectManifest(
  actual: Manifest | undefined,
  repr: unknown,
  rewriteUrl: (url: string) => string = (url) => url,
): void {
  const recorded = asRecord(parsePythonRepr(String(repr)));
  expect(recorded.__class__).toBe('Manifest');
  expect(actual?.sessionId).toMatch(/^sess-[0-9a-z]{8}$/);
  expect(actual?.sessionId).toBe(recorded.session_id);
  expect(actual?.protocolVersion).toBe(recorded.protocol_version);
  const serverInfo = asRecord(recorded.server_info);
  expect(actual?.env).toEqual({ name: serverInfo.name, version: serverInfo.version });
  expectBindings(actual?.bindings, recorded.bindings, rewriteUrl);
}

/** Compares bindings with a recorded `[Capability(...), ...]` (parsed or as repr text). */
export function expectBindings(
  actual: readonly Capability[] | undefined,
  recorded: PyValue | unknown,
  rewriteUrl: (url: string) => string = (url) => url,
): void {
  const list = typeof recorded === 'string' ? parsePythonRepr(recorded) : (recorded as PyValue);
  expect(Array.isArray(list)).toBe(true);
  const expected = (list as PyValue[]).map((item) => {
    const fields = capabilityFields(item);
    return { ...fields, url: rewriteUrl(fields.url) };
  });
  expect(actual).toEqual(expected);
}

const LOCAL_PORT = /127\.0\.0\.1:(\d+)/;

/**
 * Compares a routed binding with a recorded `Capability(...)` whose URL points at Python's forwarder:
 * same fields, and the same URL except the forwarder port, which must be a real local port.
 * @returns that port.
 */
export function expectRoutedBinding(actual: unknown, repr: unknown): number {
  const recorded = capabilityFields(parsePythonRepr(String(repr)));
  const capability = actual as Capability;
  expect({ ...capability, url: undefined }).toEqual({ ...recorded, url: undefined });
  const port = Number(LOCAL_PORT.exec(capability.url)?.[1]);
  expect(port).toBeGreaterThan(0);
  expect(capability.url.replace(LOCAL_PORT, '127.0.0.1:<port>')).toBe(
    recorded.url.replace(LOCAL_PORT, '127.0.0.1:<port>'),
  );
  return port;
}
