import { fileURLToPath } from 'node:url';
import type { ModuleFallbacks } from '@hud/environment';

const LENT = [
  '@hud/environment',
  '@hud/graders',
  '@hud/eval',
  '@hud/protocol',
  '@hud/agents',
  'zod',
];

/**
 * The packages `hud` lends to env and task files that do not install them (a fresh `hud init` project, a
 * loose `env.ts`): each resolved from the CLI's own dependencies. A file's own installed copy always wins.
 */
export function hudModuleFallbacks(): ModuleFallbacks {
  const fallbacks: Record<string, string> = {};
  for (const specifier of LENT) {
    try {
      fallbacks[specifier] = fileURLToPath(import.meta.resolve(specifier));
    } catch {
      // Not installed alongside this CLI: the file must bring its own.
    }
  }
  return fallbacks;
}
