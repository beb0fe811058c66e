// An environment whose initialize hook never finishes, so it never prints its port.
import { Environment } from '@hud/environment';

export const env = new Environment({ name: 'hang' });
env.initialize(() => new Promise(() => setInterval(() => {}, 1000)));
