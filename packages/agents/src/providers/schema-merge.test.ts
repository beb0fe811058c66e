import { describe, expect, it } from 'vitest';
import { mergeSchemaInto } from './schema-merge.js';

describe('mergeSchemaInto', () => {
  it('joins properties, unites required in order, and takes other keywords only where unset', () => {
    const into = {
      type: 'object',
      description: 'kept',
      properties: { a: { type: 'string' }, b: { type: 'integer' } },
      required: ['a', 'b'],
    };
    mergeSchemaInto(into, {
      type: 'array',
      description: 'ignored',
      title: 'added',
      properties: { b: { type: 'number' }, c: { type: 'boolean' } },
      required: ['c', 'a'],
    });
    expect(into).toEqual({
      type: 'object',
      description: 'kept',
      title: 'added',
      properties: { a: { type: 'string' }, b: { type: 'number' }, c: { type: 'boolean' } },
      required: ['a', 'b', 'c'],
    });
  });

  it('takes properties and required as they are where the target has none', () => {
    const into = {};
    mergeSchemaInto(into, { properties: { a: {} }, required: ['a'] });
    expect(into).toEqual({ properties: { a: {} }, required: ['a'] });
  });
});
