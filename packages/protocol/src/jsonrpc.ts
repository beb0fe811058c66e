import { isRecord } from './guards.js';
import { encodeCompact } from './python-json.js';

/**
 * Method names of the HUD control channel, verbatim from hud-python 0.6.16 (`hud/environment/server.py`).
 * `tasks.solve` is a hud-ts extension (a Python server answers -32601); so are multi-step tasks, whose
 * intermediate `tasks.grade` results carry `done: false` and the next `prompt` (a Python peer ignores both).
 */
export const Method = {
  Hello: 'hello',
  TasksList: 'tasks.list',
  TasksStart: 'tasks.start',
  TasksGrade: 'tasks.grade',
  TasksCancel: 'tasks.cancel',
  TasksSolve: 'tasks.solve',
  Bye: 'bye',
  TunnelOpen: 'tunnel.open',
} as const;
/** One of the {@link Method} names. */
export type Method = (typeof Method)[keyof typeof Method];

/** A JSON-RPC id as hud-python echoes it: any JSON value (it does not check the type). */
export type RequestId = string | number | null | boolean | object;

/** A request frame. `id` absent or `null` makes it a notification: executed, never answered. */
export interface RequestFrame {
  jsonrpc?: unknown;
  id?: RequestId;
  method?: unknown;
  params?: unknown;
}

/** A success reply frame. */
export interface ResultFrame {
  jsonrpc: '2.0';
  id: RequestId;
  result: unknown;
}

/** An error reply frame (no `data` member, as hud-python sends). */
export interface ErrorFrame {
  jsonrpc: '2.0';
  id: RequestId;
  error: { code: number; message: string };
}

/** Whether a decoded frame is a JSON object (the only frames the control channel accepts). */
export function isObjectFrame(value: unknown): value is Record<string, unknown> {
  return isRecord(value);
}

/** The line (with `\n`) of a request, as the Python client writes it. */
export function encodeRequest(id: RequestId, method: string, params: unknown): string {
  return `${encodeCompact({ jsonrpc: '2.0', id, method, params })}\n`;
}

/** The line (with `\n`) of a success reply. */
export function encodeResult(id: RequestId, result: unknown): string {
  return `${encodeCompact({ jsonrpc: '2.0', id, result })}\n`;
}

/** The line (with `\n`) of an error reply. */
export function encodeError(id: RequestId, code: number, message: string): string {
  return `${encodeCompact({ jsonrpc: '2.0', id, error: { code, message } })}\n`;
}
