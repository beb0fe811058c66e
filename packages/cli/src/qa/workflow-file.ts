import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type QaWorkflow, standardWorkflow } from '@hud/protocol';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { QaError } from './errors.js';

const KEBAB = /^[a-z0-9][a-z0-9-]{0,63}$/;

const CategoryEntry = z.union([
  z.string().regex(KEBAB, 'a category id is kebab-case (a-z, 0-9, -)'),
  z.object({
    id: z.string().regex(KEBAB, 'a category id is kebab-case (a-z, 0-9, -)'),
    description: z.string().default(''),
  }),
]);

/**
 * A custom workflow file (`.json` or `.toml`):
 * `{id?: kebab-case, name, description?, rubric, categories?: [id | {id, description}]}`; `id` defaults to
 * the file name without its extension.
 */
export const WorkflowFile = z.object({
  id: z.string().regex(KEBAB, 'id is kebab-case (a-z, 0-9, -)').optional(),
  name: z.string().min(1),
  description: z.string().default(''),
  rubric: z.string().min(1),
  categories: z.array(CategoryEntry).max(50).default([]),
});

function parseText(file: string, text: string): unknown {
  try {
    return file.endsWith('.toml') ? parseToml(text) : JSON.parse(text);
  } catch (cause) {
    throw new QaError(
      'invalid_workflow',
      `${file}: not valid ${file.endsWith('.toml') ? 'TOML' : 'JSON'}: ${(cause as Error).message}`,
      { cause },
    );
  }
}

/**
 * Reads the custom workflow in `file` ({@link WorkflowFile}, JSON unless the name ends in `.toml`).
 * @throws QaError `invalid_workflow` naming the file and the first bad field (`categories.1.id: …`), or
 *   `not_found` when the file cannot be read.
 * @example
 * // grounded.toml
 * // name = "Grounded answer"
 * // rubric = "Flag when the answer states facts no tool result supports."
 * // categories = ["unsupported-claim", "other"]
 */
export async function readWorkflowFile(file: string): Promise<QaWorkflow> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new QaError(
      'not_found',
      `cannot read workflow file ${file}: ${(cause as Error).message}`,
      { cause },
    );
  }
  const parsed = WorkflowFile.safeParse(parseText(file, text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw new QaError(
      'invalid_workflow',
      `${file}: ${where}${issue?.message ?? 'invalid workflow'}`,
    );
  }
  const data = parsed.data;
  const id =
    data.id ??
    path
      .basename(file)
      .replace(/\.(json|toml)$/i, '')
      .toLowerCase();
  if (!KEBAB.test(id)) {
    throw new QaError(
      'invalid_workflow',
      `${file}: give the workflow an id (kebab-case); '${id}' is not one`,
    );
  }
  return {
    id,
    name: data.name,
    description: data.description,
    rubric: data.rubric,
    categories: data.categories.map((entry) =>
      typeof entry === 'string' ? { id: entry, description: '' } : entry,
    ),
    builtIn: false,
  };
}

/**
 * The workflow `name`: a standard workflow id (`false-positive`, …) or the path of a custom workflow file.
 * @throws QaError `invalid_workflow` for an unknown id that is no file, or a bad file.
 */
export async function resolveWorkflow(name: string): Promise<QaWorkflow> {
  const standard = standardWorkflow(name);
  if (standard) return standard;
  if (/\.(json|toml)$/i.test(name)) return readWorkflowFile(name);
  throw new QaError(
    'invalid_workflow',
    `unknown QA workflow '${name}' (standard: false-negative, false-positive, failure-analysis, reward-hacking; or a .json/.toml workflow file)`,
  );
}
