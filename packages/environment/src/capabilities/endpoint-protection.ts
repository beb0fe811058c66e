import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { CapabilityRecord } from '../capability.js';

/**
 * Whether capability services started in the current async context must protect their own endpoints:
 * `serve(env, {token})` runs the environment's initialize hooks inside {@link startProtected}, so that a
 * daemon an `env.mcp()`, `env.screen()` or `env.browser()` hook opens on 127.0.0.1 cannot be reached
 * around the token by another local process.
 */
const protectedStart = new AsyncLocalStorage<boolean>();

/** Capability records whose endpoint needs a secret (or is unreachable) without the control channel. */
const protectedRecords = new WeakSet<CapabilityRecord>();

/**
 * Runs `start` (typically `env.start()`) with endpoint protection on or off for the services it starts.
 * @returns what `start` returns.
 */
export function startProtected<T>(protect: boolean, start: () => T): T {
  return protectedStart.run(protect, start);
}

/** Whether a capability service starting now should protect its endpoint when its options do not say. */
export function protectionByDefault(): boolean {
  return protectedStart.getStore() ?? false;
}

/** A fresh random secret for one endpoint: 24 random bytes, base64url (32 characters). */
export function endpointSecret(): string {
  return randomBytes(24).toString('base64url');
}

/** Whether `given` equals `expected`, in time independent of where they differ. */
export function secretMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Marks `record` as protected (see {@link isProtectedCapability}) and returns it. */
export function markProtected<R extends CapabilityRecord>(record: R): R {
  protectedRecords.add(record);
  return record;
}

/**
 * Whether the service behind `record` refuses clients without its own secret (published in the record's
 * params, so only clients that passed the control channel's token see it) or is reachable only through
 * `tunnel.open`. `ssh/2` workspaces count: they accept only the key pair they publish.
 */
export function isProtectedCapability(record: CapabilityRecord): boolean {
  return protectedRecords.has(record) || record.protocol.split('/', 1)[0] === 'ssh';
}
