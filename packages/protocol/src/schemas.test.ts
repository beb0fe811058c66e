import { describe, expect, it } from 'vitest';
import { ErrorCode, WireError } from './errors.js';
import { evaluationToWire } from './grade.js';
import { Method } from './jsonrpc.js';
import { encodeCompact } from './python-json.js';
import {
  Capability,
  GradeResult,
  HelloParams,
  HelloResult,
  paramsError,
  TaskRow,
  TasksStartParams,
  TunnelOpenParams,
} from './schemas.js';

describe('Capability', () => {
  it('applies hud-python from_manifest: params null → {}, mcp transport by scheme', () => {
    expect(
      Capability.parse({ name: 'x', protocol: 'weird/7', url: 'tcp://127.0.0.1:9', params: null })
        .params,
    ).toEqual({});
    expect(
      Capability.parse({ name: 'm', protocol: 'mcp/2025-11-25', url: 'http://127.0.0.1/mcp' })
        .params,
    ).toEqual({
      transport: 'streamable-http',
    });
    expect(
      Capability.parse({ name: 'm', protocol: 'mcp/2025-11-25', url: 'ws://127.0.0.1/mcp' }).params,
    ).toEqual({
      transport: 'websocket',
    });
    expect(
      Capability.parse({
        name: 'm',
        protocol: 'mcp/2025-11-25',
        url: 'ws://h',
        params: { transport: 'sse' },
      }).params,
    ).toEqual({ transport: 'sse' });
  });

  it('refuses a binding without url', () => {
    expect(Capability.safeParse({ name: 'nourl', protocol: 'weird/7' }).success).toBe(false);
  });
});

describe('method schemas', () => {
  it('parses a recorded hello result', () => {
    const hello = HelloResult.parse({
      session_id: 'sess-c45fc5df',
      env: { name: 'conformance', version: '0.1.0' },
      bindings: [
        {
          name: 'echo',
          protocol: 'tcp-echo/1',
          url: 'tcp://127.0.0.1:33847',
          params: { banner: false },
        },
      ],
    });
    expect(hello.bindings[0]?.params).toEqual({ banner: false });
  });

  it('accepts args null or absent in tasks.start and refuses a non-object', () => {
    expect(TasksStartParams.safeParse({ id: 'add', args: null }).success).toBe(true);
    expect(TasksStartParams.safeParse({ id: 'add' }).success).toBe(true);
    expect(TasksStartParams.safeParse({ id: 'add', args: ['a'] }).success).toBe(false);
    expect(TasksStartParams.safeParse({ id: 42 }).success).toBe(false);
  });

  it('requires a numeric score in a grade and keeps extra keys', () => {
    expect(GradeResult.safeParse({ content: 'x' }).success).toBe(false);
    expect(GradeResult.parse({ score: 1, answer_seen: '5' })).toEqual({
      score: 1,
      answer_seen: '5',
    });
  });

  it('validates task rows, nested verifiers included', () => {
    const row = TaskRow.parse({
      env: 'e',
      id: 'count',
      slug: 'count',
      verifier: { env: 'j', id: 'v', slug: 'v' },
    });
    expect(row.args).toEqual({});
    expect(row.verifier?.args).toEqual({});
    expect(TaskRow.safeParse({ env: '', id: 'count', slug: 'count' }).success).toBe(false);
  });
});

describe('evaluationToWire', () => {
  it('writes an EvaluationResult as hud-python does (recorded in raw_07_tasks_grade_correct)', () => {
    const wire = evaluationToWire({
      reward: 1,
      content: "answered 'apple'",
      info: { topic: 'fruit' },
      subscores: [{ name: 'non_empty', value: 1, weight: 1 }],
    });
    expect(encodeCompact(wire)).toBe(
      '{"done":true,"content":"answered \'apple\'","info":{"topic":"fruit"},"isError":false,"subscores":[{"name":"non_empty","weight":1.0,"value":1.0,"children":null,"info":null}],"score":1.0}',
    );
  });

  it('keeps extra keys before score', () => {
    expect(encodeCompact(evaluationToWire({ reward: 0.5, extra: 'x' }))).toBe(
      '{"done":true,"content":null,"info":{},"isError":false,"subscores":null,"extra":"x","score":0.5}',
    );
  });
});

describe('paramsError (a server refusing params)', () => {
  const refusal = (error: WireError | undefined) =>
    error && { wire: WireError.isInstance(error), code: error.code, message: error.message };

  it('is undefined for params that conform', () => {
    expect(paramsError(Method.Hello, HelloParams, {})).toBeUndefined();
    expect(
      paramsError(Method.Hello, HelloParams, { session_id: null, token: 't' }),
    ).toBeUndefined();
    expect(paramsError(Method.TasksStart, TasksStartParams, { id: 'a', args: {} })).toBeUndefined();
    expect(paramsError(Method.TunnelOpen, TunnelOpenParams, { capability: 'c' })).toBeUndefined();
  });

  it('names the method and the first bad key, with the texts hud-ts servers send (-32602)', () => {
    expect(refusal(paramsError(Method.Hello, HelloParams, { session_id: 5 }))).toEqual({
      wire: true,
      code: ErrorCode.InvalidParams,
      message: "hello: 'session_id' must be a string",
    });
    expect(refusal(paramsError(Method.TasksStart, TasksStartParams, { args: 'x' }))?.message).toBe(
      "tasks.start: 'id' must be a string",
    );
    expect(
      refusal(paramsError(Method.TasksStart, TasksStartParams, { id: 'a', args: ['x'] }))?.message,
    ).toBe("tasks.start: 'args' must be an object");
    expect(refusal(paramsError(Method.TunnelOpen, TunnelOpenParams, {}))?.message).toBe(
      "tunnel.open: 'capability' must be a string",
    );
  });

  it("calls params that are not an object 'params'", () => {
    for (const params of [[1], 'x', 7, null]) {
      expect(refusal(paramsError(Method.Hello, HelloParams, params))?.message).toBe(
        "hello: 'params' must be an object",
      );
    }
  });
});
