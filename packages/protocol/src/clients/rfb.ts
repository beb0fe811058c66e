import { type ProtocolClientFactory, registerProtocolClient } from '../protocol-clients.js';
import type { RfbClient, RfbConnectOptions } from './rfb-client.js';

/**
 * Connects an {@link RfbClient}, loading the client code on first use so importing `@hud/protocol` stays
 * cheap for processes that never touch a screen.
 * @throws as `RfbClient.connect`.
 */
export async function connectRfb(
  target: string | { host: string; port: number },
  options: RfbConnectOptions = {},
): Promise<RfbClient> {
  const { RfbClient } = await import('./rfb-client.js');
  return RfbClient.connect(target, options);
}

/**
 * The `HudClient.open` factory for `rfb/*` bindings: connects to the routed URL with `params.password`
 * (hud-python `Capability.rfb` params: `{display, password?}`) and the hud-ts extra
 * `params.horizontal_scroll` (`'shift-wheel'` when the server drops wheel buttons 6/7). Registered for the
 * `rfb` family when `@hud/protocol` loads.
 */
export const rfbClientFactory: ProtocolClientFactory<RfbClient> = (binding, context) => {
  const { password, horizontal_scroll: horizontalScroll } = binding.params;
  return connectRfb(binding.url, {
    password: typeof password === 'string' && password !== '' ? password : undefined,
    horizontalScroll: horizontalScroll === 'shift-wheel' ? 'shift-wheel' : 'buttons',
    logger: context.logger,
  });
};

registerProtocolClient('rfb', rfbClientFactory);
