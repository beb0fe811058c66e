import { Taskset } from '@hud/eval';
import { count } from '../counter-env.js';

export default new Taskset(
  'minted',
  ['banana', 'anagram'].map((word) => count({ word, letter: 'a' })),
);
