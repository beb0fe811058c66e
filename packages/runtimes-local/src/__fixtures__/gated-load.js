// An environment whose module does not finish loading until the file named by HUD_TEST_LOAD_GATE exists
// (a synchronous wait that uses no CPU), so a test decides when its children are loaded.
import { existsSync } from 'node:fs';
import { Environment } from '@hud/environment';

const gate = process.env.HUD_TEST_LOAD_GATE;
const pause = new Int32Array(new SharedArrayBuffer(4));
while (gate && !existsSync(gate)) Atomics.wait(pause, 0, 0, 20);

export const env = new Environment({ name: 'gated-load' });
