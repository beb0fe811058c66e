import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bashTool } from '../../tools/bash-tool.js';
import { editorTool } from '../../tools/editor-tool.js';
import type { WorkspaceShell } from '../../tools/workspace-paths.js';
import { restoreOptional, strictParameters } from './strict-schema.js';

const shell = {} as WorkspaceShell;

describe('strictParameters', () => {
  it('makes the bash tool strict: every property required, optional ones nullable', () => {
    const { parameters, strict, plan } = strictParameters(bashTool(shell).inputSchema);
    expect(strict).toBe(true);
    expect(parameters).toEqual({
      type: 'object',
      properties: {
        command: { type: ['string', 'null'], description: 'The bash command to run.' },
        restart: {
          type: ['boolean', 'null'],
          description: 'Not needed: every command starts fresh.',
        },
        timeout_ms: {
          type: ['integer', 'null'],
          minimum: 1,
          description: 'A shorter time limit, ms.',
        },
      },
      required: ['command', 'restart', 'timeout_ms'],
      additionalProperties: false,
    });
    expect(plan).toBeDefined();
    if (!plan) return;
    expect(restoreOptional({ command: 'ls', restart: null, timeout_ms: null }, plan)).toEqual({
      command: 'ls',
    });
  });

  it('keeps required enums as they are and makes the editor’s optional fields nullable', () => {
    const { parameters, strict, plan } = strictParameters(editorTool(shell).inputSchema);
    expect(strict).toBe(true);
    const properties = parameters.properties as Record<string, Record<string, unknown>>;
    expect(properties.command).toEqual({
      type: 'string',
      enum: ['view', 'create', 'str_replace', 'insert'],
    });
    expect(properties.path?.type).toBe('string');
    expect(properties.view_range).toMatchObject({
      type: ['array', 'null'],
      items: { type: 'integer' },
      minItems: 2,
      maxItems: 2,
    });
    expect(parameters.required).toEqual(Object.keys(properties));
    if (!plan) throw new Error('expected a plan');
    expect(
      restoreOptional(
        {
          command: 'view',
          path: 'a.txt',
          file_text: null,
          old_str: null,
          new_str: null,
          insert_line: null,
          view_range: [1, 3],
        },
        plan,
      ),
    ).toEqual({ command: 'view', path: 'a.txt', view_range: [1, 3] });
  });

  it('handles a zod-made MCP schema: $schema and defaults dropped, nested objects and arrays closed', () => {
    const schema = z.toJSONSchema(
      z.object({
        key: z.string().min(1).describe('the key'),
        tags: z.array(z.object({ name: z.string(), weight: z.number().optional() })).optional(),
        mode: z.enum(['fast', 'slow']).default('fast'),
        when: z.string().datetime().optional(),
        owner: z.string().email().nullable(),
      }),
      { io: 'input' },
    ) as Record<string, unknown>;
    const { parameters, strict, plan } = strictParameters(schema as never);
    expect(strict).toBe(true);
    expect(parameters.$schema).toBeUndefined();
    const properties = parameters.properties as Record<string, Record<string, unknown>>;
    expect(properties.key).toEqual({ type: 'string', description: 'the key' });
    expect(properties.mode).toEqual({
      anyOf: [{ type: 'string', enum: ['fast', 'slow'] }, { type: 'null' }],
    });
    expect(properties.tags).toEqual({
      type: ['array', 'null'],
      items: {
        type: 'object',
        properties: { name: { type: 'string' }, weight: { type: ['number', 'null'] } },
        required: ['name', 'weight'],
        additionalProperties: false,
      },
    });
    expect(properties.owner?.anyOf).toEqual([
      { type: 'string', format: 'email', pattern: expect.any(String) },
      { type: 'null' },
    ]);
    expect(properties.when).toMatchObject({ type: ['string', 'null'], format: 'date-time' });
    if (!plan) throw new Error('expected a plan');
    // `owner` is required (nullable in its own right): its null stays; `weight` nulls go, deep in arrays.
    expect(
      restoreOptional(
        {
          key: 'k',
          tags: [
            { name: 'a', weight: null },
            { name: 'b', weight: 2 },
          ],
          mode: null,
          when: null,
          owner: null,
        },
        plan,
      ),
    ).toEqual({ key: 'k', tags: [{ name: 'a' }, { name: 'b', weight: 2 }], owner: null });
  });

  it('treats a schema without properties as a tool without parameters', () => {
    expect(strictParameters({ type: 'object' })).toEqual({
      parameters: { type: 'object', properties: {}, required: [], additionalProperties: false },
      strict: true,
      plan: undefined,
    });
  });

  it.each([
    ['oneOf', { type: 'object', properties: { a: { oneOf: [{ type: 'string' }] } } }],
    ['$ref', { type: 'object', properties: { a: { $ref: '#/$defs/A' } }, $defs: { A: {} } }],
    ['open object', { type: 'object', properties: { a: { type: 'object' } } }],
    ['additionalProperties', { type: 'object', properties: {}, additionalProperties: true }],
    [
      'map',
      {
        type: 'object',
        properties: { a: { type: 'object', additionalProperties: { type: 'string' } } },
      },
    ],
    ['array without items', { type: 'object', properties: { a: { type: 'array' } } }],
    [
      'optional inside anyOf',
      {
        type: 'object',
        properties: {
          a: {
            anyOf: [{ type: 'object', properties: { b: { type: 'string' } } }, { type: 'null' }],
          },
        },
        required: ['a'],
      },
    ],
  ])('sends a schema with %s as it is, with strict: false', (_label, schema) => {
    const result = strictParameters(schema as never);
    expect(result.strict).toBe(false);
    expect(result.plan).toBeUndefined();
    expect(result.parameters).toEqual(schema);
  });

  it('gives up past ten levels of nesting', () => {
    let schema: Record<string, unknown> = { type: 'string' };
    for (let level = 0; level < 12; level++) {
      schema = { type: 'object', properties: { a: schema }, required: ['a'] };
    }
    expect(strictParameters(schema as never).strict).toBe(false);
  });

  it('adds empty properties to a non-strict schema that has none', () => {
    expect(strictParameters({ type: 'object', additionalProperties: true })).toEqual({
      parameters: { type: 'object', additionalProperties: true, properties: {} },
      strict: false,
      plan: undefined,
    });
  });
});
