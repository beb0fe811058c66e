import { brandedError } from '../branded-error.js';

/**
 * An error reply to a CDP command (hud-python `CDPError`): the browser's `{code, message, data?}` and the
 * method that failed, e.g. `CDP Page.navigate failed (-32000): Cannot navigate to invalid URL`.
 */
export class CdpError extends brandedError('CdpError', 'hud.cdp-error') {
  /** The CDP (JSON-RPC) error code, e.g. -32000 or -32601 for an unknown method. */
  readonly code: number;
  /** The command that failed. */
  readonly method: string;
  /** The browser's message, unprefixed. */
  readonly cdpMessage: string;
  readonly data: string | undefined;
  constructor(
    method: string,
    reply: { code: number; message: string; data?: string },
    options?: ErrorOptions,
  ) {
    const detail = reply.data ? `${reply.message} (${reply.data})` : reply.message;
    super(`CDP ${method} failed (${reply.code}): ${detail}`, options);
    this.code = reply.code;
    this.method = method;
    this.cdpMessage = reply.message;
    this.data = reply.data;
  }
}
