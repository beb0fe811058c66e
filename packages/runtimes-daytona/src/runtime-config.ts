import type { JsonObject } from '@hud/protocol';
import { sandboxSettings as parseSettings, type SandboxSettings } from '@hud/runtime-kit';
import { DaytonaRuntimeError } from './errors.js';

export { mergeRuntimeConfig, type SandboxSettings } from '@hud/runtime-kit';

/**
 * The sandbox settings a `runtime_config` asks for (@hud/runtime-kit's `sandboxSettings`). Unknown keys are
 * refused as pydantic's `extra="forbid"` does.
 * @param slug the task, for messages.
 * @throws DaytonaRuntimeError `invalid_argument` for unknown keys and non-positive numbers; `unsupported` for
 *   `compose`, `resources.gpu`, `os` and `tpu`, which a Daytona sandbox cannot honour.
 */
export function sandboxSettings(
  config: JsonObject | null | undefined,
  slug: string,
): SandboxSettings {
  return parseSettings(config, slug, {
    error: (code, message) => new DaytonaRuntimeError(code, message),
    compose: 'the Daytona runtime runs one template per sandbox',
    resources: 'Daytona sandboxes cannot provide it here',
  });
}
