import { Taskset } from '@hud/eval';
import { early, ok } from './env.js';

export default new Taskset('early', [early({ n: 1 }), ok({ n: 2 }), ok({ n: 3 })]);
