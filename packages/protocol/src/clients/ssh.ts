import { registerProtocolClient } from '../protocol-clients.js';
import type { SshBinding, SshClient, SshConnectOptions } from './ssh-client.js';
import { SSH_PROTOCOL } from './ssh-options.js';

/**
 * Connects an {@link SshClient} to an `ssh/2` binding. `ssh2` is loaded on the first call, so importing
 * `@hud/protocol` stays light. `HudClient.open('shell')` calls this for you through the registered client.
 * @throws the errors of {@link SshClient.connect}.
 */
export async function connectSsh(
  binding: SshBinding,
  options: SshConnectOptions = {},
): Promise<SshClient> {
  const { SshClient } = await import('./ssh-client.js');
  return SshClient.connect(binding, options);
}

// The built-in client for `ssh/2` (hud-python registers its SSHClient the same way).
registerProtocolClient(SSH_PROTOCOL, (binding, context) =>
  connectSsh(binding, { logger: context.logger }),
);
