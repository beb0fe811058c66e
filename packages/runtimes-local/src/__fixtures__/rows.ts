// Test helpers: fixture paths and task rows.
import { fileURLToPath } from 'node:url';
import type { TaskRow } from '@hud/protocol';

export const fixture = (name: string): string => fileURLToPath(new URL(`./${name}`, import.meta.url));

export const CONFORMANCE_ENV = fileURLToPath(
  new URL('../../../../examples/conformance/env.ts', import.meta.url),
);

export const row = (env: string, id: string, args: Record<string, unknown> = {}): TaskRow => ({
  env,
  id,
  args: args as TaskRow['args'],
  slug: `${env}-${id}`,
});

export const countRow = (): TaskRow => ({
  env: 'conformance',
  id: 'count',
  args: { text: 'banana', letter: 'a' },
  slug: 'x',
});
