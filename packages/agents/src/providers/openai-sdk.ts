let sdk: typeof import('openai') | undefined;

/**
 * The `openai` SDK, imported on first use: loading it takes a few hundred ms, which importing `@hud/agents`
 * (or a `hud` command that never calls a model) should not pay. Shared by the `openai` and
 * `openai_compatible` harnesses.
 */
export async function loadOpenAISdk(): Promise<typeof import('openai')> {
  sdk ??= await import('openai');
  return sdk;
}

/** The SDK if {@link loadOpenAISdk} has loaded it (error classes exist only then), else undefined. */
export function loadedOpenAISdk(): typeof import('openai') | undefined {
  return sdk;
}
