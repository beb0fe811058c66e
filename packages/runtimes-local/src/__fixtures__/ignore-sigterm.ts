// An environment that ignores SIGTERM (replacing the serve script's handler), so only SIGKILL stops it.
import { Environment } from '@hud/environment';

export const env = new Environment({ name: 'stubborn' });
env.initialize(() => {
  process.removeAllListeners('SIGTERM');
  process.on('SIGTERM', () => process.stderr.write('SIGTERM ignored\n'));
});
env.template({ id: 'ping' }, async function* () {
  yield 'ping';
  yield 1;
});
