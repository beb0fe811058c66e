import { Taskset } from '@hud/eval';
import { crash, ok } from './env.js';

export default new Taskset('crash', [crash({ n: 1 }), ok({ n: 2 }), ok({ n: 3 })]);
