import { Taskset } from '@hud/eval';
import { echo, ok } from './env.js';

export default new Taskset('pick', [ok({ n: 1 }), ok({ n: 2 }), ok({ n: 3 }), ok({ n: 4 }), echo({ n: 5 })]);
