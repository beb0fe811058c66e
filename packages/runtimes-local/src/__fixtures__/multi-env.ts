// A file declaring two environments: the child serves the one the task names.
import { Environment } from '@hud/environment';

export const alpha = new Environment({ name: 'alpha' });
export const beta = new Environment({ name: 'beta' });
for (const env of [alpha, beta]) {
  env.template({ id: 'which' }, async function* () {
    yield `served by ${env.name}`;
    yield 1;
  });
}
