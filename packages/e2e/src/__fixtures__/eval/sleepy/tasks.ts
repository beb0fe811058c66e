import { Taskset } from '@hud/eval';
import { nap } from './env.js';

export default new Taskset(
  'sleepy',
  [1, 2, 3, 4].map((n) => nap({ n })),
);
