import { encodeCompact, WireError } from '@hud/protocol';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { recordedLines } from './__fixtures__/wire-client.js';
import { Environment } from './environment.js';
import { normalizeGrade, promptFrame, TaskRunner } from './task-runner.js';
import type { Template, TemplateContext } from './template.js';

/** The `result` member of a recorded reply line, as its exact JSON text. */
function recordedResult(file: string, id: number): string {
  const line = recordedLines(file, 's2c').find((wire) =>
    wire.startsWith(`{"jsonrpc":"2.0","id":${id},`),
  );
  if (!line) throw new Error(`no reply ${id} in ${file}`);
  return line.slice(`{"jsonrpc":"2.0","id":${id},"result":`.length, -1);
}

function caught(action: () => unknown): WireError {
  try {
    action();
  } catch (error) {
    if (error instanceof WireError) return error;
    throw error;
  }
  throw new Error('expected a WireError');
}

async function rejection(promise: Promise<unknown>): Promise<WireError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WireError) return error;
    throw error;
  }
  throw new Error('expected a WireError');
}

/** A runner factory for the one template `register` declares on a throwaway env. */
function runnerFor(register: (env: Environment) => void): (args?: unknown) => TaskRunner {
  const env = new Environment({ name: 'e' });
  register(env);
  const template = [...env.templates.values()][0] as Template;
  return (args = {}) => new TaskRunner(template, args, env);
}

describe('normalizeGrade', () => {
  it('writes a number as {score: float}', () => {
    expect(encodeCompact(normalizeGrade('t', 1))).toBe('{"score":1.0}');
    expect(encodeCompact(normalizeGrade('t', 0))).toBe('{"score":0.0}');
    expect(encodeCompact(normalizeGrade('t', 0.25))).toBe('{"score":0.25}');
    expect(encodeCompact(normalizeGrade('t', true))).toBe('{"score":1.0}');
  });

  it('passes a {score, ...} dict through, as recorded (raw_07 add)', () => {
    const grade = normalizeGrade('add', { score: 1, content: 'expected 5', answer_seen: '5' });
    expect(encodeCompact(grade)).toBe(recordedResult('raw_07_tasks_grade_correct.json', 11));
  });

  it('writes an EvaluationResult as its wire dump with score last, as recorded (raw_07 chat)', () => {
    const grade = normalizeGrade('chat', {
      reward: 1,
      content: "answered 'apple'",
      info: { topic: 'fruit' },
      subscores: [{ name: 'non_empty', value: 1, weight: 1 }],
    });
    expect(encodeCompact(grade)).toBe(recordedResult('raw_07_tasks_grade_correct.json', 9));
  });

  it('keeps extra EvaluationResult fields after subscores and before score', () => {
    const grade = normalizeGrade('t', { reward: 0.5, extra: 'x', done: false });
    expect(encodeCompact(grade)).toBe(
      '{"done":false,"content":null,"info":{},"isError":false,"subscores":null,"extra":"x","score":0.5}',
    );
  });

  it("refuses a string with Python's TypeError text, as recorded (raw_10 badscore)", () => {
    const recorded = JSON.parse(
      recordedLines('raw_10_template_errors.json', 's2c').find((line) =>
        line.includes('"id":8,'),
      ) as string,
    );
    const error = caught(() => normalizeGrade('boom', 'not-a-number'));
    expect({ code: error.code, message: error.message }).toEqual(recorded.error);
  });

  it('names the Python type of other ungradable values', () => {
    expect(caught(() => normalizeGrade('t', null)).message).toBe(
      "task graded with NoneType: yield a number, an object with a numeric .reward, or a dict containing a numeric 'score'",
    );
    expect(caught(() => normalizeGrade('t', undefined)).message).toMatch(
      /^task graded with NoneType:/,
    );
    expect(caught(() => normalizeGrade('t', [1])).message).toMatch(/^task graded with list:/);
  });

  it('refuses a dict whose score is not numeric, listing its keys sorted', () => {
    const error = caught(() => normalizeGrade('t', { score: 'high', answer: 'x' }));
    expect(error.code).toBe(-32000);
    expect(error.message).toBe(
      "task 't' graded with a dict missing a numeric 'score' (keys: ['answer', 'score'])",
    );
  });

  it('refuses a dict with neither score nor a numeric reward as a dict missing its score', () => {
    expect(caught(() => normalizeGrade('t', { result: 1, passed: true })).message).toBe(
      "task 't' graded with a dict missing a numeric 'score' (keys: ['passed', 'result'])",
    );
    expect(caught(() => normalizeGrade('bad_dict', { reward: 'full' })).message).toBe(
      "task 'bad_dict' graded with a dict missing a numeric 'score' (keys: ['reward'])",
    );
  });
});

describe('promptFrame', () => {
  it('wraps anything but a {prompt} object', () => {
    expect(promptFrame('hi')).toEqual({ prompt: 'hi' });
    expect(promptFrame([{ role: 'user', content: 'x' }])).toEqual({
      prompt: [{ role: 'user', content: 'x' }],
    });
    expect(promptFrame({ text: 'x' })).toEqual({ prompt: { text: 'x' } });
    expect(promptFrame(undefined)).toEqual({ prompt: null });
  });

  it('keeps a {prompt, ...} frame as is, extra keys included', () => {
    const frame = { prompt: 'p', bindings: { echo: { hint: 'h' } }, extra: 1 };
    expect(promptFrame(frame)).toBe(frame);
  });
});

describe('TaskRunner', () => {
  it('runs start → grade and closes the generator (finally runs)', async () => {
    const events: string[] = [];
    const runner = runnerFor((env) =>
      env.template({ id: 't', args: z.object({ word: z.string() }) }, async function* ({ word }) {
        try {
          const answer = yield `say ${word}`;
          events.push(`answer:${answer}`);
          yield answer === word ? 1 : 0;
          events.push('after grade');
        } finally {
          events.push('finally');
        }
      }),
    );
    const task = runner({ word: 'hi' });
    expect(await task.start()).toEqual({ prompt: 'say hi' });
    expect(events).toEqual([]);
    expect(encodeCompact(await task.grade({ answer: 'hi' }))).toBe('{"score":1.0}');
    expect(events).toEqual(['answer:hi', 'finally']);
    expect(task.closed).toBe(true);
  });

  it('scores 0.0 when the generator ends without a grade', async () => {
    const runner = runnerFor((env) =>
      env.template({ id: 't' }, async function* () {
        yield 'p';
      }),
    );
    const task = runner();
    await task.start();
    expect(encodeCompact(await task.grade({ answer: 'x' }))).toBe('{"score":0.0}');
  });

  it('accepts a grade returned instead of yielded', async () => {
    const runner = runnerFor((env) =>
      env.template({ id: 't' }, async function* () {
        const answer = yield 'p';
        if (answer === 'number') return 0.5;
        return { reward: 0.75 };
      }),
    );
    const numeric = runner();
    await numeric.start();
    expect(encodeCompact(await numeric.grade({ answer: 'number' }))).toBe('{"score":0.5}');
    const evaluation = runner();
    await evaluation.start();
    expect(encodeCompact(await evaluation.grade({ answer: 'x' }))).toBe(
      '{"done":true,"content":null,"info":{},"isError":false,"subscores":null,"score":0.75}',
    );
  });

  it('reports an error thrown while grading as -32000 and still closes', async () => {
    const events: string[] = [];
    const runner = runnerFor((env) =>
      env.template({ id: 't' }, async function* () {
        try {
          const answer = yield 'p';
          throw new Error(`bad answer ${answer}`);
        } finally {
          events.push('finally');
        }
      }),
    );
    const task = runner();
    await task.start();
    const error = await rejection(task.grade({ answer: 'x' }));
    expect({ code: error.code, message: error.message }).toEqual({
      code: -32000,
      message: 'bad answer x',
    });
    expect(events).toEqual(['finally']);
    expect((await rejection(task.grade({ answer: 'x' }))).code).toBe(-32600);
  });

  it('reports an ungradable grade and a NaN score as -32000', async () => {
    const bad = runnerFor((env) =>
      env.template({ id: 't' }, async function* () {
        yield 'p';
        yield 'three';
      }),
    );
    const task = bad();
    await task.start();
    expect((await rejection(task.grade({}))).message).toMatch(/^task graded with str:/);

    const nan = runnerFor((env) =>
      env.template({ id: 'n' }, async function* () {
        yield 'p';
        yield Number.NaN;
      }),
    );
    const nanTask = nan();
    await nanTask.start();
    const error = await rejection(nanTask.grade({}));
    expect(error.code).toBe(-32000);
    expect(error.message).toMatch(/NaN/);
  });

  it('reports an error before the first yield as -32000 and closes', async () => {
    const runner = runnerFor((env) =>
      // biome-ignore lint/correctness/useYield: fails before its first yield on purpose
      env.template({ id: 't' }, async function* () {
        throw new Error('boom while starting');
      }),
    );
    const task = runner();
    const error = await rejection(task.start());
    expect({ code: error.code, message: error.message }).toEqual({
      code: -32000,
      message: 'boom while starting',
    });
    expect(task.closed).toBe(true);
  });

  it('refuses a body that is not a generator, without an unhandled rejection', async () => {
    const env = new Environment();
    const notAGenerator = async () => {
      throw new Error('plain async function');
    };
    env.template({ id: 'plain' }, notAGenerator as never);
    const task = new TaskRunner(env.templates.get('plain') as Template, {}, env);
    const error = await rejection(task.start());
    expect({ code: error.code, message: error.message }).toEqual({
      code: -32000,
      message: "template 'plain' must be an async generator function (its body returned a Promise)",
    });
    // Give a stray rejection of the returned promise a chance to surface (vitest fails the run on one).
    await new Promise((resolve) => setImmediate(resolve));
  });

  it('refuses a template that ends before its prompt', async () => {
    const runner = runnerFor((env) => env.template({ id: 'empty' }, async function* () {}));
    const error = await rejection(runner().start());
    expect(error.message).toBe("task 'empty' ended before yielding a prompt");
  });

  it('close() aborts the signal and runs finally once; grading afterwards is refused', async () => {
    const events: string[] = [];
    let signal: AbortSignal | undefined;
    const runner = runnerFor((env) =>
      env.template({ id: 't' }, async function* (_args, context) {
        signal = context.signal;
        try {
          yield 'p';
        } finally {
          events.push(`finally aborted=${context.signal.aborted}`);
        }
      }),
    );
    const task = runner();
    await task.start();
    expect(signal?.aborted).toBe(false);
    await task.close();
    await task.close();
    expect(signal?.aborted).toBe(true);
    expect(events).toEqual(['finally aborted=true']);
    const error = await rejection(task.grade({ answer: 'x' }));
    expect({ code: error.code, message: error.message }).toEqual({
      code: -32600,
      message: 'no task in progress',
    });
  });

  it('close() swallows an error thrown by the template cleanup', async () => {
    const runner = runnerFor((env) =>
      env.template({ id: 't' }, async function* () {
        try {
          yield 'p';
        } finally {
          // biome-ignore lint/correctness/noUnsafeFinally: the cleanup failure is what is tested
          throw new Error('cleanup failed');
        }
      }),
    );
    const task = runner();
    await task.start();
    await expect(task.close()).resolves.toBeUndefined();
    expect(task.closed).toBe(true);
  });

  it('passes the environment and parsed args to the template', async () => {
    let seen: unknown;
    const env = new Environment({ name: 'ctx' });
    env.template(
      { id: 't', args: z.object({ n: z.int().default(4) }) },
      async function* (args, context) {
        seen = { args, env: context.env };
        yield 'p';
      },
    );
    const task = new TaskRunner(env.templates.get('t') as Template, { n: 4 }, env);
    await task.start();
    expect(seen).toEqual({ args: { n: 4 }, env });
    await task.close();
  });

  it('sends typed answers into a template with returns', async () => {
    const seen: unknown[] = [];
    const env = new Environment();
    env.template({ id: 'typed', returns: z.object({ x: z.int() }) }, async function* () {
      const answer = yield 'p';
      seen.push(answer);
      yield answer.valid ? answer.content.x : 0;
    });
    const template = env.templates.get('typed') as Template;
    const good = new TaskRunner(template, {}, env);
    await good.start();
    expect(encodeCompact(await good.grade({ answer: '{"x": 1}' }))).toBe('{"score":1.0}');
    const bad = new TaskRunner(template, {}, env);
    await bad.start();
    expect(encodeCompact(await bad.grade({ answer: { x: 'no' } }))).toBe('{"score":0.0}');
    expect(seen).toEqual([
      { valid: true, content: { x: 1 }, raw: '{"x": 1}' },
      { valid: false, content: { x: 'no' }, raw: "{'x': 'no'}" },
    ]);
  });

  describe('solve', () => {
    it("returns the template's reference answer for the task's args", async () => {
      const env = new Environment();
      env.template(
        {
          id: 'add',
          args: z.object({ a: z.int(), b: z.int().default(0) }),
          solution: ({ a, b }) => String(a + b),
        },
        async function* () {
          yield 'p';
        },
      );
      const task = new TaskRunner(env.templates.get('add') as Template, { a: 2, b: 3 }, env);
      await task.start();
      expect(await task.solve()).toEqual({ answer: '5' });
      // Solving does not consume the task.
      expect(task.closed).toBe(false);
    });

    it('refuses a template without a solution with -32601', async () => {
      const runner = runnerFor((env) =>
        env.template({ id: 'plain' }, async function* () {
          yield 'p';
        }),
      );
      const error = await rejection(runner().solve());
      expect({ code: error.code, message: error.message }).toEqual({
        code: -32601,
        message: "template 'plain' has no reference solution",
      });
    });

    it('reports a failing solution as -32000', async () => {
      const runner = runnerFor((env) =>
        env.template(
          {
            id: 's',
            solution: () => {
              throw new Error('cannot solve');
            },
          },
          async function* () {
            yield 'p';
          },
        ),
      );
      const error = await rejection(runner().solve());
      expect({ code: error.code, message: error.message }).toEqual({
        code: -32000,
        message: 'cannot solve',
      });
    });
  });

  describe('multi-step tasks (hud-ts extension)', () => {
    it('keeps the generator at a done:false grade with a prompt and sends it the next answer', async () => {
      const events: string[] = [];
      const runner = runnerFor((env) =>
        env.template({ id: 't' }, async function* () {
          try {
            const first = yield 'say a';
            const second = yield {
              reward: first === 'a' ? 1 : 0,
              done: false,
              prompt: [{ role: 'user', content: 'say b' }],
            };
            events.push(`second:${second}`);
            yield { score: second === 'b' ? 0.5 : 0, done: true };
          } finally {
            events.push('finally');
          }
        }),
      );
      const task = runner();
      await task.start();
      // An EvaluationResult step keeps its wire form; `done: false` and `prompt` survive.
      expect(encodeCompact(await task.grade({ answer: 'a' }))).toBe(
        '{"done":false,"content":null,"info":{},"isError":false,"subscores":null,"prompt":[{"role":"user","content":"say b"}],"score":1.0}',
      );
      expect(task.closed).toBe(false);
      expect(events).toEqual([]);
      expect(encodeCompact(await task.grade({ answer: 'b' }))).toBe('{"score":0.5,"done":true}');
      expect(task.closed).toBe(true);
      expect(events).toEqual(['second:b', 'finally']);
    });

    it('closes at a done:false grade without a prompt (an ordinary grade)', async () => {
      const events: string[] = [];
      const runner = runnerFor((env) =>
        env.template({ id: 't' }, async function* () {
          try {
            yield 'p';
            yield { score: 0.5, done: false, prompt: null };
            events.push('resumed');
          } finally {
            events.push('finally');
          }
        }),
      );
      const task = runner();
      await task.start();
      expect(encodeCompact(await task.grade({ answer: 'x' }))).toBe(
        '{"score":0.5,"done":false,"prompt":null}',
      );
      expect(task.closed).toBe(true);
      expect(events).toEqual(['finally']);
    });

    it('refuses a returned done:false grade with a prompt, which nothing could answer', async () => {
      const runner = runnerFor((env) =>
        env.template({ id: 'ends' }, async function* () {
          yield 'p';
          return { score: 1, done: false, prompt: 'next' };
        }),
      );
      const task = runner();
      await task.start();
      const error = await rejection(task.grade({ answer: 'x' }));
      expect({ code: error.code, message: error.message }).toEqual({
        code: -32000,
        message:
          "task 'ends' returned a grade with done: false and a next prompt; yield it instead, so the task can go on",
      });
      expect(task.closed).toBe(true);
    });

    it("gives the solution the body's own context object at every step", async () => {
      const contexts: TemplateContext[] = [];
      const stepOf = new WeakMap<TemplateContext, number>();
      const runner = runnerFor((env) =>
        env.template(
          {
            id: 'steps',
            solution: (_args, context) => {
              contexts.push(context);
              return `answer ${stepOf.get(context)}`;
            },
          },
          async function* (_args, context) {
            contexts.push(context);
            stepOf.set(context, 1);
            yield 'step 1';
            stepOf.set(context, 2);
            yield { score: 1, done: false, prompt: 'step 2' };
            yield 1;
          },
        ),
      );
      const task = runner();
      await task.start();
      expect(await task.solve()).toEqual({ answer: 'answer 1' });
      await task.grade({ answer: 'answer 1' });
      expect(await task.solve()).toEqual({ answer: 'answer 2' });
      expect(contexts).toHaveLength(3);
      expect(contexts[1]).toBe(contexts[0]);
      expect(contexts[2]).toBe(contexts[0]);
    });
  });
});
