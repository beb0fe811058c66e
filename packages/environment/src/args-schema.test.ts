import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { conformanceEnv } from './__fixtures__/conformance-env.js';
import { recordedLines } from './__fixtures__/wire-client.js';
import { argsJsonSchema, coerceArg, pydanticTitle, returnsJsonSchema } from './args-schema.js';

describe('pydanticTitle', () => {
  it.each([
    ['fix_bug', 'Fix Bug'],
    ['difficulty', 'Difficulty'],
    ['a', 'A'],
    // str.title: a letter after a digit or apostrophe starts a new word; later letters are lowered.
    ['x1y', 'X1Y'],
    ['hello_world2b', 'Hello World2B'],
    ["don't", "Don'T"],
    ['CamelCase', 'Camelcase'],
    ['max_HTTP_retries', 'Max Http Retries'],
    ['éa_b', 'Éa B'],
    // pydantic strips the result: `name.title().replace('_', ' ').strip()`.
    ['type_', 'Type'],
    ['from_', 'From'],
    ['max_len_', 'Max Len'],
  ])('%s → %s', (name, title) => {
    expect(pydanticTitle(name)).toBe(title);
  });
});

describe('argsJsonSchema matches the tasks.list entries hud-python 0.6.16 published', () => {
  const recorded = JSON.parse(recordedLines('raw_02_tasks_list.json', 's2c')[1] as string) as {
    result: { tasks: { id: string }[] };
  };
  const env = conformanceEnv();

  it('publishes the same templates in the same order', () => {
    expect([...env.templates.keys()]).toEqual(recorded.result.tasks.map((task) => task.id));
  });

  for (const entry of recorded.result.tasks) {
    it(`${entry.id}: byte-identical manifest entry (key order included)`, () => {
      const template = env.templates.get(entry.id);
      expect(JSON.stringify(template?.manifest)).toBe(JSON.stringify(entry));
    });
  }
});

describe('argsJsonSchema', () => {
  it('is an empty object schema without args', () => {
    expect(JSON.stringify(argsJsonSchema(undefined))).toBe(
      '{"properties":{},"type":"object","additionalProperties":false}',
    );
    expect(JSON.stringify(argsJsonSchema(z.object({})))).toBe(
      '{"properties":{},"type":"object","additionalProperties":false}',
    );
  });

  it('writes the spec example (fix_bug) exactly', () => {
    const schema = argsJsonSchema(
      z.object({ difficulty: z.int(), suite: z.string().default('coding') }),
    );
    expect(JSON.stringify(schema)).toBe(
      '{"properties":{"difficulty":{"title":"Difficulty","type":"integer"},"suite":{"default":"coding","title":"Suite","type":"string"}},"required":["difficulty"],"type":"object","additionalProperties":false}',
    );
  });

  it('sorts the keys of each property schema and keeps field order', () => {
    const schema = argsJsonSchema(
      z.object({
        zeta: z.string().describe('last letter').default('z'),
        alpha: z.number().min(0).max(1),
      }),
    );
    expect(JSON.stringify(schema.properties)).toBe(
      '{"zeta":{"default":"z","description":"last letter","title":"Zeta","type":"string"},"alpha":{"maximum":1,"minimum":0,"title":"Alpha","type":"number"}}',
    );
  });

  it('omits required when every arg has a default', () => {
    const schema = argsJsonSchema(z.object({ stage: z.string().default('grade') }));
    expect(Object.keys(schema)).toEqual(['properties', 'type', 'additionalProperties']);
  });

  it('drops the safe-integer bounds zod puts on z.int() but keeps declared bounds', () => {
    const schema = argsJsonSchema(z.object({ n: z.int(), k: z.int().min(1).max(10) }));
    expect(schema.properties).toEqual({
      n: { title: 'N', type: 'integer' },
      k: { maximum: 10, minimum: 1, title: 'K', type: 'integer' },
    });
  });

  it('writes nullable args as anyOf with null, as pydantic does for X | None', () => {
    const schema = argsJsonSchema(
      z.object({ note: z.string().nullable(), limit: z.int().nullable().default(null) }),
    );
    expect(JSON.stringify(schema.properties)).toBe(
      '{"note":{"anyOf":[{"type":"string"},{"type":"null"}],"title":"Note"},"limit":{"anyOf":[{"type":"integer"},{"type":"null"}],"default":null,"title":"Limit"}}',
    );
    expect(schema.required).toEqual(['note']);
  });

  it('writes enums (Literal) with their values and type', () => {
    const schema = argsJsonSchema(z.object({ level: z.enum(['easy', 'hard']) }));
    expect(JSON.stringify(schema.properties)).toBe(
      '{"level":{"enum":["easy","hard"],"title":"Level","type":"string"}}',
    );
  });

  it('publishes additionalProperties true for loose objects (Python **kwargs)', () => {
    expect(argsJsonSchema(z.looseObject({ a: z.int() })).additionalProperties).toBe(true);
    expect(
      argsJsonSchema(z.object({ a: z.int() }).catchall(z.unknown())).additionalProperties,
    ).toBe(true);
    expect(argsJsonSchema(z.strictObject({ a: z.int() })).additionalProperties).toBe(false);
  });

  it('keeps additionalProperties last, after type', () => {
    const keys = Object.keys(argsJsonSchema(z.looseObject({ a: z.int() })));
    expect(keys.at(-1)).toBe('additionalProperties');
  });

  it('writes an unconstrained arg (Any) with only its title', () => {
    const schema = argsJsonSchema(z.object({ anything: z.unknown() }));
    expect(schema.properties).toEqual({ anything: { title: 'Anything' } });
  });

  it('writes dict[str, int] as pydantic does: additionalProperties only, no propertyNames', () => {
    const schema = argsJsonSchema(z.object({ counts: z.record(z.string(), z.int()) }));
    expect(JSON.stringify(schema.properties)).toBe(
      '{"counts":{"additionalProperties":{"type":"integer"},"title":"Counts","type":"object"}}',
    );
  });

  it('writes dict[str, Any] as additionalProperties true', () => {
    const schema = argsJsonSchema(z.object({ extra: z.record(z.string(), z.unknown()) }));
    expect(schema.properties).toEqual({
      extra: { additionalProperties: true, title: 'Extra', type: 'object' },
    });
  });

  it('writes lists with their item schema', () => {
    const schema = argsJsonSchema(z.object({ tags: z.array(z.string()).default([]) }));
    expect(JSON.stringify(schema.properties)).toBe(
      '{"tags":{"default":[],"items":{"type":"string"},"title":"Tags","type":"array"}}',
    );
  });

  it('never leaks $schema or a top-level title', () => {
    const schema = argsJsonSchema(z.object({ a: z.int() }).meta({ title: 'Args' }));
    expect(schema.$schema).toBeUndefined();
    expect(schema.title).toBeUndefined();
  });
});

describe('returnsJsonSchema', () => {
  it('keeps the model title (TypeAdapter(Pair).json_schema())', () => {
    const Pair = z.object({ x: z.int(), y: z.int() }).meta({ title: 'Pair' });
    expect(JSON.stringify(returnsJsonSchema(Pair))).toBe(
      '{"properties":{"x":{"title":"X","type":"integer"},"y":{"title":"Y","type":"integer"}},"required":["x","y"],"title":"Pair","type":"object"}',
    );
  });

  it('writes a scalar return type as its bare schema', () => {
    expect(returnsJsonSchema(z.int())).toEqual({ type: 'integer' });
    expect(returnsJsonSchema(z.array(z.string()))).toEqual({
      items: { type: 'string' },
      type: 'array',
    });
  });
});

describe('coerceArg (pydantic lax mode)', () => {
  const integer = { type: 'integer' };
  const number = { type: 'number' };
  const boolean = { type: 'boolean' };
  const string = { type: 'string' };
  const object = { type: 'object' };
  const array = { type: 'array' };
  const nullableInt = { anyOf: [{ type: 'integer' }, { type: 'null' }] };

  it('turns numeric strings into numbers', () => {
    expect(coerceArg('3', integer)).toBe(3);
    expect(coerceArg('-12', integer)).toBe(-12);
    expect(coerceArg('2.5', number)).toBe(2.5);
    expect(coerceArg('1e3', number)).toBe(1000);
    expect(coerceArg('7', nullableInt)).toBe(7);
  });

  it('leaves a non-integral string for an int alone (validation refuses it)', () => {
    expect(coerceArg('2.5', integer)).toBe('2.5');
    expect(coerceArg('x', integer)).toBe('x');
  });

  it('turns booleans into 0/1 for numbers (Python bool is an int)', () => {
    expect(coerceArg(true, integer)).toBe(1);
    expect(coerceArg(false, integer)).toBe(0);
    expect(coerceArg(true, number)).toBe(1);
  });

  it('turns boolean words and 0/1 into booleans', () => {
    for (const word of ['true', 'True', 'yes', 'on', '1', 't', 'y']) {
      expect(coerceArg(word, boolean)).toBe(true);
    }
    for (const word of ['false', 'FALSE', 'no', 'off', '0', 'f', 'n']) {
      expect(coerceArg(word, boolean)).toBe(false);
    }
    expect(coerceArg(1, boolean)).toBe(true);
    expect(coerceArg(0, boolean)).toBe(false);
    expect(coerceArg(2, boolean)).toBe(2);
    expect(coerceArg('maybe', boolean)).toBe('maybe');
  });

  it('parses JSON text for objects and arrays', () => {
    expect(coerceArg('{"x": 1}', object)).toEqual({ x: 1 });
    expect(coerceArg('[1, 2]', array)).toEqual([1, 2]);
    expect(coerceArg('{not json', object)).toBe('{not json');
  });

  it('never touches strings declared as strings, nor values without a declared type', () => {
    expect(coerceArg('3', string)).toBe('3');
    expect(coerceArg(3, string)).toBe(3);
    expect(coerceArg('3', {})).toBe('3');
    expect(coerceArg('3', undefined)).toBe('3');
  });
});
