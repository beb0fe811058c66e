import { Taskset } from '@hud/eval';
import { countItems, lookUpStock, writeReport } from './env.js';

export default new Taskset('sample-env', [
  countItems({ aisle: 'a' }),
  countItems({ aisle: 'b' }),
  lookUpStock({ item: 'screws' }),
  lookUpStock({ item: 'washers' }),
  writeReport({ aisle: 'a' }),
]);
