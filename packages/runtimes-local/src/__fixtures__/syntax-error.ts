// A deliberately broken environment file: the loader must report the syntax error and the file.
import { Environment } from '@hud/environment';

export const env = new Environment({ name: 'broken' };
