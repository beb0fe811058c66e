const ROBOT_ENV_BRAND = Symbol.for('hud.robot-env-error');

/**
 * The robot environment reported an error: on the `openpi/0` wire a **text** frame is the env's error
 * (its traceback; spec §3.6), e.g. `robot env error on connect: ValueError: unknown episode token: 'x'`.
 */
export class RobotEnvError extends Error {
  /** True for any RobotEnvError, including copies from another install of this package. */
  static isInstance(value: unknown): value is RobotEnvError {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[ROBOT_ENV_BRAND] === true
    );
  }
  readonly [ROBOT_ENV_BRAND] = true;
  /** The env's text frame, verbatim. */
  readonly envMessage: string;
  /** Where it arrived: on `connect` (instead of the metadata), after the `claim`, or in the `episode`. */
  readonly phase: 'connect' | 'claim' | 'episode';
  constructor(phase: RobotEnvError['phase'], envMessage: string, options?: ErrorOptions) {
    const where = phase === 'connect' ? ' on connect' : phase === 'claim' ? ' on claim' : '';
    super(`robot env error${where}:\n${envMessage}`, options);
    this.name = 'RobotEnvError';
    this.phase = phase;
    this.envMessage = envMessage;
  }
}
