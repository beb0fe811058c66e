import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Taskset } from '@hud/eval';
import { flaky, lenient, sound, wrongKey } from './env.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export default new Taskset('qa-broken', [
  sound({ n: 1 }),
  wrongKey({ n: 2 }),
  lenient({ n: 3 }),
  flaky({ n: 4, counterDir: here }),
]);
