import { Taskset } from '@hud/eval';
import { reach } from './env.js';

export default new Taskset('robot-reach', [
  reach({ seed: 1 }),
  reach({ seed: 2 }),
  reach({ seed: 7, tolerance: 0.02 }),
]);
