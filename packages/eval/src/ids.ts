import { randomUUID } from 'node:crypto';

/** A new id in hud-python's form: `uuid4().hex` (32 lowercase hex characters, no dashes). */
export function newId(): string {
  return randomUUID().replaceAll('-', '');
}
