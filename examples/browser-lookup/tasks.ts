import { Taskset } from '@hud/eval';
import { lookup } from './env.js';

export default new Taskset('browser-lookup', [
  lookup({ lighthouse: 'Velmora', field: 'height' }),
  lookup({ lighthouse: 'Port Aubrel', field: 'keeper' }),
]);
