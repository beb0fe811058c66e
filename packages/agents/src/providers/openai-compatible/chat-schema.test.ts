import { describe, expect, it } from 'vitest';
import { chatParameters } from './chat-schema.js';

describe('chatParameters', () => {
  it('keeps the common subset and drops the rest', () => {
    expect(
      chatParameters({
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        title: 'Args',
        properties: {
          key: {
            type: 'string',
            minLength: 1,
            pattern: '^k',
            format: 'uri',
            description: 'the key',
          },
          count: { type: 'integer', minimum: 0, maximum: 9, default: 1 },
          tags: { type: 'array', items: { type: 'string' }, minItems: 1, uniqueItems: true },
          mode: { type: 'string', enum: ['a', 'b'] },
        },
        required: ['key'],
        additionalProperties: false,
      }),
    ).toEqual({
      type: 'object',
      description: 'Args',
      properties: {
        key: { type: 'string', description: 'the key' },
        count: { type: 'integer', minimum: 0, maximum: 9, default: 1 },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1 },
        mode: { type: 'string', enum: ['a', 'b'] },
      },
      required: ['key'],
    });
  });

  it('turns optional (nullable) unions, type lists and const into plain types', () => {
    expect(
      chatParameters({
        type: 'object',
        properties: {
          note: {
            anyOf: [{ type: 'string', description: 'inner' }, { type: 'null' }],
            description: 'outer',
          },
          either: { oneOf: [{ type: 'integer' }, { type: 'string' }] },
          maybe: { type: ['number', 'null'] },
          kind: { const: 'fixed' },
          empty: { anyOf: [{ type: 'null' }] },
          level: { enum: ['low', 'high', null] },
        },
      }),
    ).toEqual({
      type: 'object',
      properties: {
        note: { type: 'string', description: 'outer' },
        either: { type: 'integer' },
        maybe: { type: 'number' },
        kind: { type: 'string', enum: ['fixed'] },
        empty: { type: 'string' },
        level: { type: 'string', enum: ['low', 'high'] },
      },
    });
  });

  it('inlines local $refs, recursive ones as their bare type, and merges allOf', () => {
    expect(
      chatParameters({
        type: 'object',
        $defs: {
          Point: {
            type: 'object',
            properties: { x: { type: 'number' }, y: { type: 'number' } },
            required: ['x', 'y'],
          },
          Tree: {
            type: 'object',
            properties: { children: { type: 'array', items: { $ref: '#/$defs/Tree' } } },
          },
        },
        definitions: { Name: { type: 'string', description: 'a name' } },
        properties: {
          at: { $ref: '#/$defs/Point', description: 'where' },
          tree: { $ref: '#/$defs/Tree' },
          name: { $ref: '#/definitions/Name' },
          lost: { $ref: '#/$defs/Missing' },
          both: {
            allOf: [
              { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
              { properties: { b: { type: 'string' } }, required: ['b'] },
            ],
          },
          tuple: { type: 'array', prefixItems: [{ type: 'integer' }, { type: 'string' }] },
        },
      }),
    ).toEqual({
      type: 'object',
      properties: {
        at: {
          type: 'object',
          description: 'where',
          properties: { x: { type: 'number' }, y: { type: 'number' } },
          required: ['x', 'y'],
        },
        tree: {
          type: 'object',
          properties: { children: { type: 'array', items: { type: 'object' } } },
        },
        name: { type: 'string', description: 'a name' },
        lost: { type: 'object' },
        both: {
          type: 'object',
          properties: { a: { type: 'string' }, b: { type: 'string' } },
          required: ['a', 'b'],
        },
        tuple: { type: 'array', items: { type: 'integer' } },
      },
    });
  });

  it('always answers an object with properties, required naming only known ones', () => {
    expect(chatParameters(undefined)).toEqual({ type: 'object', properties: {} });
    expect(chatParameters({ type: 'object' })).toEqual({ type: 'object', properties: {} });
    expect(
      chatParameters({ properties: { a: { type: 'string' } }, required: ['a', 'ghost'] }),
    ).toEqual({ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] });
  });
});
