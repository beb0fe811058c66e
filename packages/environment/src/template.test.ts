import { HudError } from '@hud/protocol';
import { thrownBy } from '@hud/testing';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { conformanceEnv } from './__fixtures__/conformance-env.js';
import { recordedLines } from './__fixtures__/wire-client.js';
import { Environment } from './environment.js';
import { buildAnswer, environmentOfTask, prepareArgs, type Template } from './template.js';

async function* noop() {
  yield 'prompt';
  yield 1;
}

function letterCount() {
  const env = new Environment({ name: 'letter-count' });
  const count = env.template(
    { id: 'count', args: z.object({ sentence: z.string(), letter: z.string() }) },
    noop,
  );
  const chat = env.template(
    { id: 'chat', args: z.object({ topic: z.string(), turns: z.int().default(2) }) },
    noop,
  );
  const plain = env.template({ id: 'plain' }, noop);
  return { env, count, chat, plain };
}

describe('task factories', () => {
  it('mint {env, id, args, slug} rows with hud-python slugs', () => {
    const { count } = letterCount();
    const row = count({ letter: 'a', sentence: 'banana' });
    expect(JSON.stringify(row)).toBe(
      '{"env":"letter-count","id":"count","args":{"letter":"a","sentence":"banana"},"slug":"count-e8d5ddbb"}',
    );
  });

  it('hash only the args passed: defaults are not materialised', () => {
    const { chat } = letterCount();
    // Python: sha1('{"topic": "fruit"}') vs sha1('{"topic": "fruit", "turns": 2}').
    expect(chat({ topic: 'fruit' })).toMatchObject({
      args: { topic: 'fruit' },
      slug: 'chat-de0cd791',
    });
    expect(chat({ topic: 'fruit', turns: 2 }).slug).toBe('chat-02a54586');
  });

  it('hash non-ASCII args as Python (ASCII-escaped JSON)', () => {
    const env = new Environment({ name: 'e' });
    const echo = env.template({ id: 'echo', args: z.object({ text: z.string() }) }, noop);
    expect(echo({ text: 'héllo' }).slug).toBe('echo-5b42fd8a');
  });

  it('hash non-integral numbers as Python floats', () => {
    const env = new Environment({ name: 'e' });
    const add = env.template({ id: 'add', args: z.object({ a: z.int(), b: z.number() }) }, noop);
    // Python: sha1('{"a": 2, "b": 0.5}').
    expect(add({ a: 2, b: 0.5 }).slug).toBe('add-7fbe976a');
  });

  it('use the bare id as slug without args', () => {
    const { plain } = letterCount();
    expect(plain({})).toEqual({ env: 'letter-count', id: 'plain', args: {}, slug: 'plain' });
  });

  it('remember the environment that minted the row, without serialising it', () => {
    const { env, count } = letterCount();
    const row = count({ letter: 'a', sentence: 'banana' });
    expect(environmentOfTask(row)).toBe(env);
    expect(Object.keys(row)).toEqual(['env', 'id', 'args', 'slug']);
    expect(environmentOfTask({ env: 'x', id: 'y', args: {}, slug: 'y' })).toBeUndefined();
  });

  it('expose the template and its id', () => {
    const { count } = letterCount();
    expect(count.id).toBe('count');
    expect(count.template.id).toBe('count');
  });

  it('refuse a missing arg at mint time with a HudError naming the template', () => {
    const { count } = letterCount();
    const error = thrownBy(() => count({ sentence: 'banana' } as never));
    expect(HudError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'invalid_argument',
      message: "template 'count': missing a required argument: 'letter'",
    });
  });

  it('refuse an unexpected arg at mint time', () => {
    const { count } = letterCount();
    expect(() => count({ sentence: 'b', letter: 'a', extra: 1 } as never)).toThrow(
      "template 'count': got an unexpected keyword argument 'extra'",
    );
  });

  it('refuse a wrongly typed arg at mint time, naming the arg', () => {
    const { chat } = letterCount();
    const error = thrownBy(() => chat({ topic: 'fruit', turns: 'two' } as never)) as HudError;
    expect(error.code).toBe('invalid_argument');
    expect(error.message).toMatch(/^template 'chat': turns: /);
  });
});

describe('template registration', () => {
  it('takes the id from the generator function name', () => {
    const env = new Environment();
    const factory = env.template({}, async function* fix_bug() {
      yield 'p';
    });
    expect(factory.id).toBe('fix_bug');
    expect([...env.templates.keys()]).toEqual(['fix_bug']);
  });

  it('refuses an anonymous body without an id', () => {
    const env = new Environment();
    const anonymous = [
      async function* () {
        yield 'p';
      },
    ][0] as () => AsyncGenerator<unknown, unknown, string>;
    expect(() => env.template({}, anonymous)).toThrow('env.template: give the template an id');
  });

  it('refuses a duplicate id with the hud-python message', () => {
    const env = new Environment({ name: 'y' });
    env.template({ id: 'x' }, noop);
    const error = thrownBy(() => env.template({ id: 'x' }, noop));
    expect(error).toMatchObject({
      code: 'template_error',
      message: "template 'x' already registered on env 'y'",
    });
    expect(env.templates.size).toBe(1);
  });

  it('refuses a body that is not a function', () => {
    const env = new Environment();
    expect(() => env.template({ id: 'x' }, 'nope' as never)).toThrow(HudError);
  });

  it('publishes description (default empty) and returns only when declared', () => {
    const env = new Environment();
    env.template({ id: 'a' }, noop);
    env.template({ id: 'b', description: 'B', returns: z.int() }, noop);
    expect(env.templates.get('a')?.manifest).toEqual({
      id: 'a',
      description: '',
      args: { properties: {}, type: 'object', additionalProperties: false },
    });
    expect(Object.keys(env.templates.get('b')?.manifest ?? {})).toEqual([
      'id',
      'description',
      'args',
      'returns',
    ]);
  });
});

describe('prepareArgs (tasks.start binding)', () => {
  const env = conformanceEnv();
  const count = env.templates.get('count') as Template;
  const add = env.templates.get('add') as Template;
  const recorded = recordedLines('raw_04_tasks_start_missing_args.json', 's2c').map(
    (line) => JSON.parse(line) as { error?: { code: number; message: string } },
  );
  const recordedError = (id: number) =>
    recorded.find((frame) => (frame as { id?: number }).id === id)?.error;

  it('reports the first missing arg in declaration order, as recorded', () => {
    expect(prepareArgs(count, { text: 'banana' })).toEqual({ ok: false, ...recordedError(3) });
    expect(prepareArgs(count, {})).toEqual({ ok: false, ...recordedError(5) });
    expect(prepareArgs(add, {})).toEqual({ ok: false, ...recordedError(6) });
  });

  it('reports an unexpected arg with the sorted arg names, as recorded', () => {
    expect(prepareArgs(count, { text: 'a', letter: 'a', extra: 1 })).toEqual({
      ok: false,
      ...recordedError(7),
    });
    expect(recordedError(7)?.message).toBe(
      "task 'count': bad args ['extra', 'letter', 'text']: got an unexpected keyword argument 'extra'",
    );
  });

  it('reports missing before unexpected', () => {
    expect(prepareArgs(count, { zzz: 1, text: 'a' })).toMatchObject({
      code: -32000,
      message: "task 'count': bad args ['text', 'zzz']: missing a required argument: 'letter'",
    });
  });

  it('refuses any arg for a template declared without args', () => {
    const { env } = letterCount();
    expect(prepareArgs(env.templates.get('plain') as Template, { x: 1 })).toEqual({
      ok: false,
      code: -32000,
      message: "task 'plain': bad args ['x']: got an unexpected keyword argument 'x'",
    });
    expect(prepareArgs(env.templates.get('plain') as Template, {})).toEqual({ ok: true, args: {} });
  });

  it('accepts unknown args for a loose object (Python **kwargs)', () => {
    const env2 = new Environment();
    env2.template({ id: 'k', args: z.looseObject({ a: z.int() }) }, noop);
    expect(prepareArgs(env2.templates.get('k') as Template, { a: 1, b: 2 })).toEqual({
      ok: true,
      args: { a: 1, b: 2 },
    });
  });

  it('coerces numeric strings and bools (lax mode) and fills in defaults', () => {
    expect(prepareArgs(add, { a: '3', b: '4' })).toEqual({ ok: true, args: { a: 3, b: 4 } });
    expect(prepareArgs(add, { a: 2, b: true })).toEqual({ ok: true, args: { a: 2, b: 1 } });
    expect(prepareArgs(add, { a: 2 })).toEqual({ ok: true, args: { a: 2, b: 0 } });
  });

  it('parses JSON text into an object arg', () => {
    const env2 = new Environment();
    env2.template(
      { id: 'm', args: z.object({ point: z.object({ x: z.int() }), flag: z.boolean() }) },
      noop,
    );
    expect(
      prepareArgs(env2.templates.get('m') as Template, { point: '{"x": 1}', flag: 'yes' }),
    ).toEqual({ ok: true, args: { point: { x: 1 }, flag: true } });
  });

  it('refuses un-coercible values with -32602 naming the arg', () => {
    const result = prepareArgs(add, { a: 'x' });
    expect(result).toMatchObject({ ok: false, code: -32602 });
    expect((result as { message: string }).message).toMatch(/^task 'add': bad args: a: /);
    const fractional = prepareArgs(add, { a: 2.5 });
    expect((fractional as { message: string }).message).toMatch(/^task 'add': bad args: a: /);
    const letter = prepareArgs(count, { text: 'banana', letter: 5 });
    expect(letter).toMatchObject({ ok: false, code: -32602 });
    expect((letter as { message: string }).message).toMatch(/^task 'count': bad args: letter: /);
  });
});

describe('buildAnswer (the value sent into the template)', () => {
  const env = conformanceEnv();
  const typed = env.templates.get('typed') as Template;
  const count = env.templates.get('count') as Template;

  it('passes the answer verbatim without returns (null when absent)', () => {
    expect(buildAnswer(count, { answer: '3' })).toBe('3');
    expect(buildAnswer(count, { answer: { any: 'thing' } })).toEqual({ any: 'thing' });
    expect(buildAnswer(count, {})).toBeNull();
  });

  it('parses JSON text into the returns type', () => {
    expect(buildAnswer(typed, { answer: '{"x": 2, "y": 3}' })).toEqual({
      valid: true,
      content: { x: 2, y: 3 },
      raw: '{"x": 2, "y": 3}',
    });
  });

  it("validates an object answer and keeps Python's str(dict) as raw", () => {
    expect(buildAnswer(typed, { answer: { x: 1, y: 4 } })).toEqual({
      valid: true,
      content: { x: 1, y: 4 },
      raw: "{'x': 1, 'y': 4}",
    });
  });

  it('falls back to the raw value when it does not parse or validate', () => {
    expect(buildAnswer(typed, { answer: 'five' })).toEqual({
      valid: false,
      content: 'five',
      raw: 'five',
    });
    expect(buildAnswer(typed, { answer: '{"x": 1}' })).toEqual({
      valid: false,
      content: '{"x": 1}',
      raw: '{"x": 1}',
    });
    expect(buildAnswer(typed, { answer: [1, 2] })).toEqual({
      valid: false,
      content: [1, 2],
      raw: '[1, 2]',
    });
    expect(buildAnswer(typed, { answer: true })).toEqual({
      valid: false,
      content: true,
      raw: 'True',
    });
  });

  it('uses "" when the answer key is missing, as payload.get("answer", "")', () => {
    expect(buildAnswer(typed, {})).toEqual({ valid: false, content: '', raw: '' });
  });

  it('keeps an explicit null answer: content None, raw "None"', () => {
    expect(buildAnswer(typed, { answer: null })).toEqual({
      valid: false,
      content: null,
      raw: 'None',
    });
  });
});
