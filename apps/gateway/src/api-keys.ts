import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Every key this gateway mints starts with this (so a leaked key is recognisable in a scan). */
export const KEY_PREFIX = 'hud_';
/** How many leading characters of a key are stored in clear to tell keys apart in a listing. */
const SHOWN_CHARACTERS = 12;

/** A new random API key: `hud_` and 43 base64url characters (256 random bits). */
export function generateKey(): string {
  return `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** The stored form of a key: SHA-256 of its text, lowercase hex (keys are random: no salt is needed). */
export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The leading characters of a key kept in clear (`hud_AbCdEfGh`), shown in listings and messages. */
export function keyPrefix(key: string): string {
  return key.slice(0, SHOWN_CHARACTERS);
}

/** True when two hex digests are equal, compared in constant time. */
export function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Why `key` cannot be used as a bootstrap admin key (under 16 characters, or containing whitespace), or
 * undefined when it can.
 */
export function bootstrapKeyProblem(key: string): string | undefined {
  if (key.length < 16) return 'it is shorter than 16 characters';
  if (/\s/.test(key)) return 'it contains whitespace';
  return undefined;
}
