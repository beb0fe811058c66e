/** Imported by env.ts as `./helpers.js`, the way TypeScript sources import siblings. */
export const ENV_NAME = 'single';
