export { buildProgram, run } from './program.js';
export { CLI_VERSION } from './version.js';
