import { Environment } from '../../environment.js';

export const alpha = new Environment({ name: 'alpha-env' });
export const beta = new Environment({ name: 'beta-env' });
