import { Taskset } from '@hud/eval';
import { count } from './env.js';

export default new Taskset(
  'letter-count',
  ['strawberry', 'raspberry', 'mississippi'].map((word) => count({ word, letter: 'r' })),
);
