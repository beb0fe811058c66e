import { Taskset } from '@hud/eval';

const shared = { env: 'counter', id: 'shared', args: { n: 1 } };

export const loose = { env: 'counter', id: 'loose' };
export const list = [{ env: 'counter', id: 'listed', args: { n: 2 } }, 'not a task', 42, shared];
export const _private = { env: 'counter', id: 'private' };
export const notATask = { name: 'an environment-like object' };
export default new Taskset('named', [{ env: 'counter', id: 'in-set' }, shared]);
