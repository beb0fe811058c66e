import { Taskset } from '@hud/eval';
import { ok, unsure } from './env.js';

export default new Taskset('unsure', [unsure({ n: 1 }), ok({ n: 2 })]);
