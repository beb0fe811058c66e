import { Taskset } from '@hud/eval';
import { ok, slow } from './env.js';

export default new Taskset('slow', [slow({ n: 1 }), ok({ n: 2 })]);
