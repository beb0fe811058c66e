/**
 * Files of a new hud-ts project (`hud init`): an environment with one template and a reference solution,
 * a taskset, a Dockerfile, a package.json and a README. As generated, `hud eval tasks.ts oracle --all`
 * scores 1.0 on every task.
 */
export function scaffoldFiles(options: { name: string; version: string }): Record<string, string> {
  const envName =
    options.name.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'environment';
  const range = `^${options.version}`;
  return {
    'env.ts': `import { Environment } from '@hud/environment';
import { exactMatch } from '@hud/graders';
import { z } from 'zod';

export const env = new Environment({ name: '${envName}', version: '0.1.0' });

const occurrences = (text: string, letter: string) =>
  [...text.toLowerCase()].filter((char) => char === letter.toLowerCase()).length;

/** A template: the first yield is the prompt, the answer comes back, the second yield is the grade. */
export const count = env.template(
  {
    id: 'count',
    description: 'Count how often a letter occurs in a text.',
    args: z.object({ text: z.string(), letter: z.string().length(1) }),
    // The reference answer: lets \`hud eval tasks.ts oracle\` prove every task solvable.
    solution: ({ text, letter }) => String(occurrences(text, letter)),
  },
  async function* ({ text, letter }) {
    const answer = yield \`How many times does '\${letter}' appear in '\${text}'? Reply with just the number.\`;
    yield exactMatch(answer, String(occurrences(text, letter)));
  },
);
`,
    'tasks.ts': `import { Taskset } from '@hud/eval';
import { count } from './env.js';

export default new Taskset('${envName}', [
  count({ text: 'Strawberry world', letter: 'r' }),
  count({ text: 'banana', letter: 'a' }),
]);
`,
    'Dockerfile.hud': `# Serves the environment on the control port inside a container.
ARG BASE=node:24-slim
FROM \${BASE}
WORKDIR /app
COPY . .
RUN npm install --omit=dev --no-audit --no-fund
EXPOSE 8765
CMD ["npx", "hud", "serve", "env.ts", "--host", "0.0.0.0", "--port", "8765", "--insecure"]
`,
    'package.json': `${JSON.stringify(
      {
        name: envName,
        version: '0.1.0',
        private: true,
        type: 'module',
        scripts: {
          eval: 'hud eval tasks.ts oracle --all',
          serve: 'hud serve env.ts',
          dev: 'hud dev env.ts',
        },
        dependencies: {
          '@hud/cli': range,
          '@hud/environment': range,
          '@hud/eval': range,
          '@hud/graders': range,
          zod: '^4.2.0',
        },
      },
      null,
      2,
    )}\n`,
    'README.md': `# ${envName}

A hud-ts environment. \`env.ts\` declares it (one template, \`count\`); \`tasks.ts\` lists its tasks.

\`\`\`bash
hud eval tasks.ts oracle --all     # every task solvable: reward 1.0
hud eval tasks.ts nop --all        # the grader rejects doing nothing: reward 0.0
hud eval tasks.ts claude --all     # a model (needs ANTHROPIC_API_KEY or HUD_API_KEY)
hud dev env.ts                     # serve it and restart on every change
\`\`\`

\`hud\` lends \`@hud/*\` and \`zod\` to these files until you \`npm install\` your own.
`,
    '.gitignore': 'node_modules/\n.hud/\n.env\n',
  };
}
