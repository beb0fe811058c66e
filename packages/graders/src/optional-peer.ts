import { GraderError } from './errors.js';

/**
 * Imports optional peer dependency `name` with `load` (a dynamic `import()` of it), for a grader whose SDK
 * users of other graders need not install (`openai` for `LLMJudgeGrader`). Node's "cannot find package
 * `name`" becomes the one-line install hint the CLI and `@hud/agents` use:
 * `LLMJudgeGrader needs openai, which is not installed: npm install openai`.
 * @throws GraderError `not_available` when `name` itself is not installed (the cause is Node's error); any
 *   other import failure (a broken install, a missing dependency of the package) unchanged.
 */
export async function importPeer<T>(
  name: string,
  user: string,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const missing =
      error instanceof Error &&
      (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
      (error.message.includes(`'${name}'`) || error.message.includes(`"${name}"`));
    if (!missing) throw error;
    throw new GraderError(
      'not_available',
      `${user} needs ${name}, which is not installed: npm install ${name}`,
      { cause: error },
    );
  }
}
