import { Environment } from '../../../environment.js';
import { ENV_NAME } from './helpers.js';

export const env = new Environment({ name: ENV_NAME, version: '2.0.0' });
/** The same instance under a second name is still one environment. */
export { env as alias };
export const notAnEnvironment = { name: 'single' };
