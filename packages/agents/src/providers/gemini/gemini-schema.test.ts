import { describe, expect, it } from 'vitest';
import { geminiParameters } from './gemini-schema.js';

describe('geminiParameters', () => {
  it('drops keywords outside Gemini’s subset at every level and keeps the rest', () => {
    expect(
      geminiParameters({
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        title: 'Args',
        additionalProperties: false,
        properties: {
          path: { type: 'string', description: 'where', minLength: 1, pattern: '^/', default: '/' },
          count: { type: 'integer', minimum: 1, maximum: 9, examples: [3] },
          tags: {
            type: 'array',
            items: {
              type: 'object',
              properties: { k: { type: ['string', 'null'] } },
              additionalProperties: {},
            },
            minItems: 1,
            uniqueItems: true,
          },
          mode: { enum: ['a', 'b'], not: { const: 'c' } },
        },
        required: ['path'],
        propertyOrdering: ['path', 'count'],
      }),
    ).toEqual({
      type: 'object',
      title: 'Args',
      properties: {
        path: { type: 'string', description: 'where' },
        count: { type: 'integer', minimum: 1, maximum: 9 },
        tags: {
          type: 'array',
          items: { type: 'object', properties: { k: { type: ['string', 'null'] } } },
          minItems: 1,
        },
        mode: { enum: ['a', 'b'] },
      },
      required: ['path'],
      propertyOrdering: ['path', 'count'],
    });
  });

  it('turns const into enum, definitions into $defs (with references), tuple items into prefixItems', () => {
    expect(
      geminiParameters({
        type: 'object',
        properties: {
          kind: { const: 'point' },
          at: { $ref: '#/definitions/Point' },
          pair: { type: 'array', items: [{ type: 'number' }, { type: 'number' }] },
          either: { anyOf: [{ type: 'string', format: 'uri', maxLength: 9 }, { type: 'null' }] },
          one: { oneOf: [{ type: 'integer' }, { type: 'boolean' }] },
        },
        definitions: {
          Point: {
            type: 'object',
            properties: { x: { type: 'number' } },
            additionalProperties: false,
          },
        },
      }),
    ).toEqual({
      type: 'object',
      properties: {
        kind: { enum: ['point'] },
        at: { $ref: '#/$defs/Point' },
        pair: { type: 'array', prefixItems: [{ type: 'number' }, { type: 'number' }] },
        either: { anyOf: [{ type: 'string', format: 'uri' }, { type: 'null' }] },
        one: { oneOf: [{ type: 'integer' }, { type: 'boolean' }] },
      },
      $defs: { Point: { type: 'object', properties: { x: { type: 'number' } } } },
    });
  });

  it('merges allOf members into their parent', () => {
    expect(
      geminiParameters({
        type: 'object',
        properties: { a: { type: 'string' } },
        required: ['a'],
        allOf: [
          { properties: { b: { type: 'number', default: 1 } }, required: ['b'] },
          { description: 'merged', properties: { c: { type: 'boolean' } } },
        ],
      }),
    ).toEqual({
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'number' }, c: { type: 'boolean' } },
      required: ['a', 'b'],
      description: 'merged',
    });
  });

  it('always returns an object schema with properties', () => {
    expect(geminiParameters({ type: 'object' })).toEqual({ type: 'object', properties: {} });
  });
});
