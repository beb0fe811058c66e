import { createHash, randomUUID } from 'node:crypto';
import { GatewayError } from './errors.js';

const HEX32 = /^[0-9a-f]{32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PLAIN_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * The stored form of a job or trace id. hud-python mints them as `uuid4().hex` and sends them so in
 * lifecycle reports and span uploads, but as canonical UUID strings (`str(UUID(id))`, dashed) from
 * `hud jobs get`, `HostedRuntime` and `hud cancel` (spec §5.4, §6.2, §9.8): both forms name one record,
 * stored as 32 lowercase hex characters. Other ids (letters, digits, `._:-`, up to 128) are kept as given.
 * @throws GatewayError `invalid_request` naming `what` for anything else.
 */
export function canonicalRunId(raw: string, what: string): string {
  const undashed = raw.replaceAll('-', '').toLowerCase();
  if (HEX32.test(undashed) && (raw.length === 32 || UUID.test(raw.toLowerCase()))) return undashed;
  if (PLAIN_ID.test(raw)) return raw;
  throw new GatewayError(
    'invalid_request',
    `${what} ${JSON.stringify(raw.slice(0, 80))} is not an id: use 32 hex characters, a UUID, or up to 128 of A-Z a-z 0-9 . _ : -`,
  );
}

/**
 * The stored form of a taskset, model, checkpoint or environment id: a lowercase dashed UUID (hud-python
 * tells ids from names with `uuid.UUID(value)`, so these ids must be UUIDs). Undefined when `raw` is not a
 * UUID (dashed or 32 hex).
 */
export function canonicalUuid(raw: string): string | undefined {
  const hex = raw.replaceAll('-', '').toLowerCase();
  if (!HEX32.test(hex)) return undefined;
  if (raw.length !== 32 && !UUID.test(raw.toLowerCase())) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A new random UUID (lowercase, dashed). */
export function newUuid(): string {
  return randomUUID();
}

/**
 * A UUID derived from `name` (RFC 9562 version 5 layout over SHA-1 of a fixed namespace and `name`), so
 * seeded rows (the model catalog) have the same id on every install.
 */
export function stableUuid(name: string): string {
  const digest = createHash('sha1').update(`hud.gateway:${name}`).digest();
  digest[6] = ((digest[6] as number) & 0x0f) | 0x50;
  digest[8] = ((digest[8] as number) & 0x3f) | 0x80;
  const hex = digest.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Now as ISO-8601 UTC with milliseconds and a `Z` (sorts as text in both databases). */
export function nowIso(): string {
  return new Date().toISOString();
}
