// An environment whose template kills its own process once the agent answers.
import { Environment } from '@hud/environment';

export const env = new Environment({ name: 'exits' });
env.template({ id: 'crash' }, async function* () {
  yield 'say anything';
  process.stderr.write('template exiting with code 3\n');
  process.exit(3);
});
