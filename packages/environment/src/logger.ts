/** Where libraries send diagnostics (they never print). pino's logger satisfies it. */
export interface Logger {
  debug(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A logger that drops everything. */
export const silentLogger: Logger = { debug() {}, warn() {}, error() {} };
