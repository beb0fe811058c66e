import { pyRepr } from './client-repr.js';
import { HudError } from './errors.js';
import type { Capability } from './schemas.js';

/** The family of a protocol id: `ssh` for `ssh/2`, the whole id when it has no `/`. */
export function protocolFamily(protocol: string): string {
  return protocol.split('/', 1)[0] ?? protocol;
}

function describe(bindings: readonly Capability[]): string {
  return bindings.map((binding) => `${binding.name} (${binding.protocol})`).join(', ');
}

/**
 * Finds the one binding that `ref` names: its exact `name`, its full `protocol` (`ssh/2`) or its protocol
 * family (`ssh`). Source: hud-python 0.6.16 `HudClient.binding`, spec §2.7.
 * @throws HudError `capability_ambiguous` when several bindings match (use a name), `capability_not_found`
 *   when none does; messages are hud-python's KeyError texts.
 */
export function resolveBinding(bindings: readonly Capability[], ref: string): Capability {
  const matches = bindings.filter(
    (binding) =>
      ref === binding.name || ref === binding.protocol || ref === protocolFamily(binding.protocol),
  );
  const [only] = matches;
  if (matches.length === 1 && only !== undefined) return only;
  if (matches.length > 1) {
    throw new HudError(
      'capability_ambiguous',
      `ambiguous capability ${pyRepr(ref)}; matches: ${describe(matches)}`,
    );
  }
  throw new HudError(
    'capability_not_found',
    `no capability ${pyRepr(ref)} (available: ${describe(bindings) || '<none>'})`,
  );
}
