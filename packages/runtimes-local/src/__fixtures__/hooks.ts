// An environment that talks on stdout before its port line, starts a daemon in its process group, and
// reports its shutdown hook on stderr.
import { spawn } from 'node:child_process';
import { Environment } from '@hud/environment';

console.log('stray stdout line before the port announcement');

export const env = new Environment({ name: 'hooks' });
env.initialize(() => {
  const daemon = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  process.stderr.write(`daemon pid=${daemon.pid}\n`);
});
env.shutdown(() => {
  process.stderr.write(`shutdown hook ran in pid=${process.pid}\n`);
});
env.template({ id: 'ping' }, async function* () {
  const answer = yield 'say pong';
  yield answer === 'pong' ? 1 : 0;
});
