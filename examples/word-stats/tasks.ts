import { Taskset } from '@hud/eval';
import { analyse } from './env.js';

export default new Taskset('word-stats', [
  analyse({ text: 'The quick brown fox jumps over the lazy dog', unit: 'words' }),
  analyse({
    text: 'The quick brown fox jumps over the lazy dog',
    unit: 'words',
    caseSensitive: true,
  }),
  analyse({ text: 'Mississippi river', unit: 'letters' }),
  analyse({ text: 'To be or not to be', unit: 'words' }),
]);
