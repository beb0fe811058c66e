import { missingCommands } from '@hud/testing';

/**
 * Whether any of `commands` is missing from the PATH; if so, warns that `what` is skipped and why. For
 * `describe.skipIf(lacking([...], 'the screen tests'))`.
 */
export function lacking(commands: readonly string[], what: string): boolean {
  const missing = missingCommands(commands);
  if (missing.length > 0) console.warn(`skipping ${what}: ${missing.join(', ')} not installed`);
  return missing.length > 0;
}
