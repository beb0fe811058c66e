import { Environment } from '@hud/environment';

export const env = new Environment({ name: 'never-ready', version: '0.1.0' });

// The daemon it waits for never comes up: the process never prints its port.
env.initialize(() => new Promise<void>(() => {}));

export const hello = env.template({ id: 'hello' }, async function* () {
  yield 'Say hello.';
  yield 1;
});
