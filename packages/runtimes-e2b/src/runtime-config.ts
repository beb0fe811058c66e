import type { JsonObject } from '@hud/protocol';
import { sandboxSettings as parseSettings, type SandboxSettings } from '@hud/runtime-kit';
import { E2BRuntimeError } from './errors.js';

export { mergeRuntimeConfig, type SandboxSettings } from '@hud/runtime-kit';

/**
 * The sandbox settings a `runtime_config` asks for (@hud/runtime-kit's `sandboxSettings`). Unknown keys are
 * refused as pydantic's `extra="forbid"` does.
 * @param slug the task, for messages.
 * @throws E2BRuntimeError `invalid_argument` for unknown keys and non-positive numbers; `unsupported` for
 *   `compose`, `resources.gpu`, `os` and `tpu`, which an E2B sandbox cannot honour.
 */
export function sandboxSettings(
  config: JsonObject | null | undefined,
  slug: string,
): SandboxSettings {
  return parseSettings(config, slug, {
    error: (code, message) => new E2BRuntimeError(code, message),
    compose: 'the E2B runtime runs one template per sandbox',
    resources: 'E2B sandboxes cannot provide it',
  });
}
