import { Taskset } from '@hud/eval';
import { fix } from './env.js';

export default new Taskset('coding-fix', [fix()]);
