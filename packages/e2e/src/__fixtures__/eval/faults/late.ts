import { Taskset } from '@hud/eval';
import { late, ok } from './env.js';

export default new Taskset('late', [late({ n: 1 }), ok({ n: 2 }), ok({ n: 3 })]);
