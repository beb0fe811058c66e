import { brandedError } from '../branded-error.js';

/**
 * The robot environment reported an error: on the `openpi/0` wire a **text** frame is the env's error
 * (its traceback; spec §3.6), e.g. `robot env error on connect: ValueError: unknown episode token: 'x'`.
 */
export class RobotEnvError extends brandedError('RobotEnvError', 'hud.robot-env-error') {
  /** The env's text frame, verbatim. */
  readonly envMessage: string;
  /** Where it arrived: on `connect` (instead of the metadata), after the `claim`, or in the `episode`. */
  readonly phase: 'connect' | 'claim' | 'episode';
  constructor(phase: RobotEnvError['phase'], envMessage: string, options?: ErrorOptions) {
    const where = phase === 'connect' ? ' on connect' : phase === 'claim' ? ' on claim' : '';
    super(`robot env error${where}:\n${envMessage}`, options);
    this.phase = phase;
    this.envMessage = envMessage;
  }
}
