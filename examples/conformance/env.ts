/**
 * The hud-python 0.6.16 conformance environment (`env.py` beside the recorded transcripts in
 * `packages/testing/__fixtures__/hud-python-0.6.16/`), ported to TypeScript: the same templates, prompts,
 * grades and capabilities, so the recorded wire traffic replays against our server. This is the one port:
 * the environment package's own tests serve fresh copies of it ({@link conformanceEnv}).
 *
 * Serve it: `hud serve examples/conformance/env.ts --port 0`.
 */
import net from 'node:net';
import { Environment, pythonRepr } from '@hud/environment';
import { exactMatch } from '@hud/graders';
import { z } from 'zod';

/** Python's `str.count` (non-overlapping occurrences; an empty needle counts len + 1). */
function countOccurrences(text: string, needle: string): number {
  if (needle === '') return [...text].length + 1;
  return text.split(needle).length - 1;
}

/**
 * A new conformance environment: `echo` is a loopback TCP echo server its initialize hook starts (and its
 * shutdown hook closes, dropping open connections), `dead` points at port 1 where nothing listens. Each call
 * builds an independent copy, so several can be served at once.
 */
export function conformanceEnv(): Environment {
  const env = new Environment({ name: 'conformance', version: '0.1.0' });
  let echoServer: net.Server | undefined;
  const echoSockets = new Set<net.Socket>();

  env.initialize(async () => {
    echoServer = net.createServer({ allowHalfOpen: true }, (socket) => {
      echoSockets.add(socket);
      socket.once('close', () => echoSockets.delete(socket));
      socket.on('error', () => socket.destroy());
      socket.pipe(socket);
    });
    await new Promise<void>((resolve) => echoServer?.listen(0, '127.0.0.1', resolve));
    const { port } = echoServer.address() as net.AddressInfo;
    env.addCapability({
      name: 'echo',
      protocol: 'tcp-echo/1',
      url: `tcp://127.0.0.1:${port}`,
      params: { banner: false },
    });
    env.addCapability({ name: 'dead', protocol: 'tcp-echo/1', url: 'tcp://127.0.0.1:1' });
  });

  env.shutdown(async () => {
    for (const socket of echoSockets) socket.destroy();
    await new Promise<void>((resolve) =>
      echoServer ? echoServer.close(() => resolve()) : resolve(),
    );
  });

  env.template(
    {
      id: 'count',
      description: 'Count how often a letter occurs in a text.',
      args: z.object({ text: z.string(), letter: z.string() }),
      solution: ({ text, letter }) => String(countOccurrences(text, letter)),
    },
    async function* ({ text, letter }) {
      const answer =
        yield `How many times does the letter ${pythonRepr(letter)} appear in ${pythonRepr(text)}? Answer with just the number.`;
      yield exactMatch(answer, String(countOccurrences(text, letter)));
    },
  );

  env.template(
    {
      id: 'chat',
      description: 'Multi-message prompt; graded with an EvaluationResult.',
      args: z.object({ topic: z.string(), turns: z.int().default(2) }),
      solution: ({ topic }) => topic,
    },
    async function* ({ topic, turns }) {
      const messages: unknown[] = [
        { role: 'system', content: 'You are terse. Reply with one word.' },
      ];
      for (let index = 0; index < turns; index++) {
        messages.push({ role: 'user', content: `(${index + 1}/${turns}) Name one ${topic}.` });
        messages.push({ role: 'assistant', content: { type: 'text', text: 'ok' } });
      }
      messages.push({ role: 'user', content: [{ type: 'text', text: `Final: one ${topic}?` }] });
      const answer = yield messages;
      const ok = typeof answer === 'string' && answer.trim() ? 1 : 0;
      yield {
        reward: ok,
        content: `answered ${pythonRepr(answer)}`,
        info: { topic },
        subscores: [{ name: 'non_empty', value: ok, weight: 1 }],
      };
    },
  );

  env.template(
    {
      id: 'add',
      description: 'Add two integers (explicit frame forms).',
      args: z.object({ a: z.int(), b: z.int().default(0) }),
      solution: ({ a, b }) => String(a + b),
    },
    async function* ({ a, b }) {
      const answer = yield {
        prompt: `What is ${a} + ${b}?`,
        bindings: { echo: { hint: 'episode-scoped data, keyed like manifest bindings' } },
      };
      const correct = String(answer).trim() === String(a + b);
      yield { score: correct ? 1 : 0, content: `expected ${a + b}`, answer_seen: answer };
    },
  );

  env.template(
    {
      id: 'boom',
      description: 'Failure modes: stage in {grade, start, start-keyerror, noscore, badscore}.',
      args: z.object({ stage: z.string().default('grade') }),
    },
    async function* ({ stage }) {
      if (stage === 'start') throw new Error('boom while starting');
      if (stage === 'start-keyerror') throw new Error("'inner-key'");
      const answer = yield `boom(${stage}): say anything`;
      if (stage === 'grade') throw new Error(`boom while grading answer ${pythonRepr(answer)}`);
      if (stage === 'noscore') return;
      if (stage === 'badscore') yield 'not-a-number';
      yield 1;
    },
  );

  const Pair = z.object({ x: z.int(), y: z.int() }).meta({ title: 'Pair' });
  env.template(
    {
      id: 'typed',
      description: 'Structured answer: return a Pair whose x+y == n.',
      args: z.object({ n: z.int() }),
      returns: Pair,
      solution: ({ n }) => JSON.stringify({ x: n, y: 0 }),
    },
    async function* ({ n }) {
      const answer = yield `Return JSON {"x": int, "y": int} with x + y == ${n}.`;
      if (answer.valid) {
        yield {
          score: answer.content.x + answer.content.y === n ? 1 : 0,
          parsed: answer.content,
          raw: answer.raw,
        };
      } else {
        yield { score: 0, parsed: null, raw: answer.raw };
      }
    },
  );

  return env;
}

/** The environment `hud serve` picks up. */
export const env = conformanceEnv();
