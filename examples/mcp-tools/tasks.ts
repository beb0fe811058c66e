import { Taskset } from '@hud/eval';
import { countKeys, storeAndRecall } from './env.js';

export default new Taskset('mcp-tools', [
  storeAndRecall({ key: 'greeting', value: 'hello world', lookup: 'vault:code' }),
  storeAndRecall({ key: 'todo:1', value: 'water the plants', lookup: 'config:region' }),
  countKeys({ prefix: 'vault:' }),
]);
