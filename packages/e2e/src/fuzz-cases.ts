/**
 * Seeded generation of hostile inputs for the control-channel fuzz test (fuzz.test.ts), with what the
 * server must answer to each. A case is either a control connection (a list of items written as one
 * byte stream, cut at random byte boundaries across writes, then ended in one of several ways) or a
 * capability stream (a `tunnel.open` preface).
 *
 * The expected answers model the session state the server keeps per connection ("does this session hold
 * a task?"), so a reply can be checked exactly and so the test knows how many sessions must be parked
 * when the fuzz ends. Blind adoption by `tasks.grade` is kept out of the model by parking two anchor
 * sessions before the fuzz (with two parked sessions, adoption always refuses).
 */

/** mulberry32: small, fast, deterministic; enough for test input. */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, max). */
  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  bytes(length: number): Buffer {
    const bytes = Buffer.alloc(length);
    for (let index = 0; index < length; index++) bytes[index] = this.int(256);
    return bytes;
  }

  /** Random bytes without a newline: one line of garbage. */
  lineBytes(length: number): Buffer {
    const bytes = this.bytes(length);
    for (let index = 0; index < length; index++) if (bytes[index] === 0x0a) bytes[index] = 0x20;
    return bytes;
  }
}

/** The PRNG of case `index` under `seed`, so one case can be replayed alone. */
export function caseRandom(seed: number, index: number): Random {
  return new Random(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35));
}

/** Which task the connection's own session holds: the benchmark's count task, another one, or none. */
export type Held = 'count' | 'other' | undefined;

/** A parsed reply line. */
export interface Reply {
  id: unknown;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

/** What the client knows about the session after an answered request. */
export interface Checked {
  problem?: string;
  held: Held;
}

/** One line (or garbage) of a control connection. */
export interface Item {
  label: string;
  bytes: Buffer;
  /**
   * `request`: answered with one reply line, in order; `notification`: executed, never answered;
   * `fatal`: the server answers with an error whose id is null, then closes.
   */
  kind: 'request' | 'notification' | 'fatal';
  /** For requests: checks the reply against the session state before it; returns the state after. */
  check?: (reply: Reply, held: Held) => Checked;
  /** Every session state possible after this item when its reply is unknown (the case was reset). */
  effect: (held: Held) => Held[];
  /** The server closes the connection after answering (`bye`). */
  closes?: boolean;
}

/** How a control case ends. */
export type Ending =
  /** half-close, read every reply, expect EOF */
  | 'half-close'
  /** half-close after a partial line without newline (never answered) */
  | 'tail'
  /** read every reply, then reset (RST) */
  | 'read-then-reset'
  /** reset (RST) right after writing, replies unread */
  | 'reset'
  /** close (FIN) right after writing, replies unread */
  | 'destroy';

export interface ControlCase {
  kind: 'control';
  items: Item[];
  ending: Ending;
  tail?: Buffer;
}

export interface TunnelCase {
  kind: 'tunnel';
  label: string;
  /** The preface line (with newline). */
  preface: Buffer;
  /** The id in the preface (undefined = none: no reply line). */
  id: unknown;
  /** echo: bytes to send after the preface and expect back; refused: the error expected; reset: RST. */
  mode: 'echo' | 'refused' | 'reset';
  payload: Buffer;
  refusal?: { code: number; message: RegExp };
}

export type FuzzCase = ControlCase | TunnelCase;

/** Everything the generator needs to know about the served environment. */
export interface FuzzContext {
  /** The session id of the connection that holds a task during the whole fuzz. */
  keeperSessionId: string;
  maxFrameBytes: number;
}

export const COUNT_PROMPT =
  "How many times does the letter 'a' appear in 'banana'? Answer with just the number.";
const TEMPLATE_IDS = ['count', 'chat', 'add', 'boom', 'typed'];
const PARKED_REFUSAL =
  /^\d+ parked sessions \((sess-[0-9a-f]{8}, )+sess-[0-9a-f]{8}\); resume one by sending hello with its session_id$/;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function line(value: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(value)}\n`, 'utf8');
}

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let level = 0; level < depth; level++) value = level % 2 === 0 ? [value] : { v: value };
  return value;
}

/** Odd but finite JSON ids; replies must echo them (compared after parsing both). */
function oddId(random: Random, sequence: number): unknown {
  switch (random.int(12)) {
    case 0:
      return `id-${sequence}-ü-\u0000-\u007f-"quoted"`;
    case 1:
      return 0;
    case 2:
      return false;
    case 3:
      return -sequence;
    case 4:
      return sequence + 0.5;
    case 5:
      return 1.7976931348623157e308;
    case 6:
      return 2 ** 64 + sequence * 4096;
    case 7:
      return 'x'.repeat(200 + random.int(1500));
    case 8:
      return { n: sequence, list: [1, null, { deep: true }] };
    case 9:
      return nested(50 + random.int(400));
    case 10:
      return [sequence];
    default:
      return '';
  }
}

const errorCheck =
  (code: number, message: RegExp | string, after: (held: Held) => Held = () => undefined) =>
  (reply: Reply, held: Held): Checked => {
    const matches =
      typeof message === 'string'
        ? reply.error?.message === message
        : message.test(reply.error?.message ?? '');
    if (reply.error?.code !== code || !matches) {
      return { problem: `expected error ${code} ${String(message)}`, held: after(held) };
    }
    return { held: after(held) };
  };

const resultCheck =
  (
    valid: (result: Record<string, unknown>, held: Held) => string | undefined,
    after: (held: Held) => Held,
  ) =>
  (reply: Reply, held: Held): Checked => {
    if (!reply.result) return { problem: 'expected a result', held: after(held) };
    return { problem: valid(reply.result, held), held: after(held) };
  };

interface Template {
  label: string;
  method: unknown;
  params?: unknown;
  hasParams: boolean;
  check: (reply: Reply, held: Held) => Checked;
  effect: (held: Held) => Held[];
  /** The effect is certain enough to send it as a notification. */
  notifiable: boolean;
  closes?: boolean;
}

function requestTemplates(random: Random, context: FuzzContext): Template[] {
  const keep = (held: Held) => [held];
  const clear = () => [undefined];
  const template = (
    label: string,
    method: unknown,
    params: unknown,
    check: Template['check'],
    effect: Template['effect'],
    notifiable = false,
  ): Template => ({
    label,
    method,
    params,
    hasParams: params !== undefined,
    check,
    effect,
    notifiable,
  });
  const helloResult = resultCheck(
    (result) => {
      if (!/^sess-[0-9a-f]{8}$/.test(String(result.session_id))) return 'hello: bad session_id';
      const env = result.env as Record<string, unknown> | undefined;
      if (env?.name !== 'conformance' || env.version !== '0.1.0') return 'hello: wrong env';
      if (!Array.isArray(result.bindings) || result.bindings.length !== 2) return 'hello: bindings';
      return undefined;
    },
    (held) => held,
  );
  const anyGrade = (reply: Reply): Checked =>
    reply.result
      ? {
          problem:
            typeof reply.result.score === 'number' ? undefined : 'grade without numeric score',
          held: undefined,
        }
      : errorCheck(-32000, /./)(reply, undefined);
  const gradeCheck =
    (exactCount: boolean) =>
    (reply: Reply, held: Held): Checked => {
      if (held === undefined) return errorCheck(-32600, PARKED_REFUSAL)(reply, held);
      if (held === 'count' && exactCount) {
        return reply.result?.score === 1 && Object.keys(reply.result).length === 1
          ? { held: undefined }
          : { problem: 'count graded "3" must score exactly {score: 1.0}', held: undefined };
      }
      return anyGrade(reply);
    };
  const startOk = (prompt: string | undefined, held: Held) =>
    resultCheck(
      (result) => {
        if (prompt !== undefined && result.prompt !== prompt) return 'wrong prompt';
        return 'prompt' in result ? undefined : 'no prompt';
      },
      () => held,
    );
  const startEither = (reply: Reply): Checked =>
    reply.result
      ? { problem: 'prompt' in reply.result ? undefined : 'no prompt', held: 'other' }
      : reply.error && [-32000, -32602].includes(reply.error.code)
        ? { held: undefined }
        : { problem: 'expected a prompt or a -32000/-32602 error', held: undefined };
  const otherTemplate = random.pick([
    { id: 'chat', args: { topic: 'fuzz' } },
    { id: 'add', args: { a: 2, b: 3 } },
    { id: 'typed', args: { n: 4 } },
    { id: 'boom', args: { stage: 'grade' } },
    { id: 'boom', args: { stage: 'noscore' } },
  ]);
  // [params, code, message, whether the session's task is cancelled]. As hud-python, a malformed request
  // (id or args of the wrong type) leaves the task alone; any other refused start has cancelled it.
  const badStart = random.pick<[unknown, number, RegExp | string, boolean]>([
    [{ id: 'nope' }, -32602, "unknown task: 'nope'", true],
    [{ id: 7, args: {} }, -32602, "tasks.start: 'id' must be a string", false],
    [{ args: {} }, -32602, "tasks.start: 'id' must be a string", false],
    [{ id: 'count', args: ['banana'] }, -32602, "tasks.start: 'args' must be an object", false],
    [{ id: 'count', args: 'banana' }, -32602, "tasks.start: 'args' must be an object", false],
    [
      { id: 'count', args: null },
      -32000,
      /^task 'count': bad args \[\]: missing a required argument: 'text'$/,
      true,
    ],
    [
      { id: 'count', args: [] },
      -32000,
      /^task 'count': bad args \[\]: missing a required argument: 'text'$/,
      true,
    ],
    [
      { id: 'count', args: { text: 'x', letter: 'a', extra: 1 } },
      -32000,
      /unexpected keyword argument 'extra'/,
      true,
    ],
    [{ id: 'boom', args: { stage: 'start' } }, -32000, 'boom while starting', true],
    [[1, 2], -32602, "tasks.start: 'id' must be a string", false],
  ]);
  const oddArgs = random.pick<unknown>([
    { text: 5, letter: 'a' },
    { text: 'banana', letter: ['a'] },
    { text: nested(200), letter: 'a' },
    { text: 'ü'.repeat(300), letter: 'ü' },
    { text: 'banana', letter: null },
  ]);
  const oddAnswer = random.pick<unknown>([
    { answer: 3 },
    { answer: ['3'] },
    { answer: null },
    {},
    { answer: nested(300) },
    { answer: '3', extra: { deep: nested(20) } },
    [1, 2, 3],
    'just a string',
  ]);
  return [
    template(
      'hello',
      'hello',
      random.pick([{}, undefined, { session_id: null }]),
      helloResult,
      keep,
      true,
    ),
    template(
      'hello with a live session id',
      'hello',
      { session_id: context.keeperSessionId },
      errorCheck(
        -32600,
        `session '${context.keeperSessionId}' has a live connection`,
        (held) => held,
      ),
      keep,
    ),
    template(
      'hello with an unknown session id',
      'hello',
      { session_id: `sess-zz${random.int(1e6)}` },
      errorCheck(-32600, /^unknown session: 'sess-zz\d+'$/, (held) => held),
      keep,
    ),
    template(
      'hello with a non-string session id',
      'hello',
      { session_id: random.pick([42, ['x'], { a: 1 }, true]) },
      errorCheck(-32602, "hello: 'session_id' must be a string", (held) => held),
      keep,
    ),
    template(
      'hello with non-object params',
      'hello',
      random.pick([[1], 'params', 7, true]),
      errorCheck(-32602, "hello: 'params' must be an object", (held) => held),
      keep,
    ),
    template(
      'tasks.list',
      'tasks.list',
      random.pick([undefined, {}, nested(random.int(1200)), [1, 2]]),
      resultCheck(
        (result) => {
          const tasks = result.tasks as { id?: unknown }[] | undefined;
          return JSON.stringify(tasks?.map((task) => task.id)) === JSON.stringify(TEMPLATE_IDS)
            ? undefined
            : 'tasks.list: wrong templates';
        },
        (held) => held,
      ),
      keep,
      true,
    ),
    template(
      'tasks.start count',
      'tasks.start',
      { id: 'count', args: { text: 'banana', letter: 'a' } },
      startOk(COUNT_PROMPT, 'count'),
      () => ['count'],
      true,
    ),
    template(
      `tasks.start ${otherTemplate.id}`,
      'tasks.start',
      otherTemplate,
      startOk(undefined, 'other'),
      () => ['other'],
    ),
    template(
      `tasks.start refused ${JSON.stringify(badStart[0]).slice(0, 60)}`,
      'tasks.start',
      badStart[0],
      errorCheck(badStart[1], badStart[2], (held) => (badStart[3] ? undefined : held)),
      (held) => [badStart[3] ? undefined : held],
    ),
    template(
      'tasks.start with odd arg values',
      'tasks.start',
      { id: 'count', args: oddArgs },
      startEither,
      () => ['other', undefined],
    ),
    template('tasks.grade "3"', 'tasks.grade', { answer: '3' }, gradeCheck(true), clear, true),
    template(
      `tasks.grade ${JSON.stringify(oddAnswer).slice(0, 40)}`,
      'tasks.grade',
      oddAnswer,
      gradeCheck(false),
      clear,
    ),
    template(
      'tasks.cancel',
      'tasks.cancel',
      random.pick([undefined, {}, [1]]),
      resultCheck(
        (result) => (result.cancelled === true ? undefined : 'cancel: expected {cancelled: true}'),
        () => undefined,
      ),
      clear,
      true,
    ),
    template(
      'tasks.solve',
      'tasks.solve',
      {},
      (reply, held) =>
        held === undefined
          ? errorCheck(-32600, 'no task in progress', () => held)(reply, held)
          : held === 'count'
            ? resultCheck(
                (result) => (result.answer === '3' ? undefined : 'solve: expected answer "3"'),
                () => held,
              )(reply, held)
            : { held },
      keep,
    ),
    template(
      'unknown method',
      random.pick<unknown>(['tasks.nope', 'tunnel.open', '', 42, null, ['hello'], 'ü']),
      {},
      errorCheck(-32601, /^method not found: /, (held) => held),
      keep,
      true,
    ),
  ];
}

function requestItem(random: Random, context: FuzzContext, sequence: number): Item {
  const templates = requestTemplates(random, context);
  // tasks.start count and tasks.grade "3" are the cycle the fuzz must not break: weigh them up.
  const template = random.chance(0.25)
    ? (templates[random.pick([6, 10])] as Template)
    : random.pick(templates);
  const notification = template.notifiable && random.chance(0.12);
  const id = random.chance(0.2) ? oddId(random, sequence) : sequence;
  const frame: Record<string, unknown> = {};
  if (!random.chance(0.05)) frame.jsonrpc = '2.0';
  if (!notification) frame.id = id;
  else if (random.chance(0.5)) frame.id = null;
  if (template.method !== undefined || random.chance(0.5)) frame.method = template.method;
  if (template.hasParams) frame.params = template.params;
  const bytes = line(frame);
  if (bytes.length > context.maxFrameBytes) return requestItem(random, context, sequence);
  if (notification) {
    return {
      label: `${template.label} (notification)`,
      bytes,
      kind: 'notification',
      effect: template.effect,
    };
  }
  const expectedId = JSON.parse(JSON.stringify(id)) as unknown;
  return {
    label: template.label,
    bytes,
    kind: 'request',
    effect: template.effect,
    closes: template.closes,
    check: (reply, held) => {
      if (JSON.stringify(reply.id) !== JSON.stringify(expectedId)) {
        return {
          problem: `reply id ${JSON.stringify(reply.id)?.slice(0, 80)} is not the request's`,
          held,
        };
      }
      return template.check(reply, held);
    },
  };
}

function byeItem(sequence: number): Item {
  return {
    label: 'bye',
    bytes: line({ jsonrpc: '2.0', id: sequence, method: 'bye', params: {} }),
    kind: 'request',
    effect: () => [undefined],
    closes: true,
    check: (reply) =>
      reply.id === sequence && reply.result?.goodbye === true
        ? { held: undefined }
        : { problem: 'expected {goodbye: true}', held: undefined },
  };
}

/** A line the server must refuse with an id-null error and close (-32700 not JSON, -32600 not an object or too large). */
function fatalItem(random: Random, context: FuzzContext, first: boolean): Item {
  const kinds = ['not json', 'binary', 'non-object', 'truncated', 'empty line', 'unbalanced'];
  // An oversized line only opens a case: see the known-bug test about frames before one.
  if (first) kinds.push('oversized', 'oversized');
  const kind = random.pick(kinds);
  let bytes: Buffer;
  let codes = [-32700];
  switch (kind) {
    case 'not json':
      bytes = Buffer.from(
        `${random.pick(['GET / HTTP/1.1', 'hello', '{method: hello}', "{'a': 1}", 'NaN', '{"a":1}}'])}\n`,
      );
      break;
    case 'binary':
      // No newline inside, and not starting with one: the first line is the garbage.
      bytes = Buffer.concat([random.lineBytes(1 + random.int(600)), Buffer.from('\n')]);
      if (/^\s*$/.test(bytes.toString('latin1'))) bytes = Buffer.from('\u0001\n');
      // Rarely, random bytes spell non-object JSON (a digit): -32600 then.
      codes = [-32700, -32600];
      break;
    case 'non-object':
      bytes = line(
        random.pick<unknown>([
          null,
          42,
          'hello',
          [{ jsonrpc: '2.0', id: 1, method: 'hello' }],
          true,
          [nested(300)],
        ]),
      );
      if (bytes.length > context.maxFrameBytes) bytes = Buffer.from('[]\n');
      codes = [-32600];
      break;
    case 'truncated': {
      const whole = line({
        jsonrpc: '2.0',
        id: 1,
        method: 'tasks.start',
        params: { id: 'count', args: { text: 'banana', letter: 'a' } },
      });
      bytes = Buffer.concat([
        whole.subarray(0, 1 + random.int(whole.length - 3)),
        Buffer.from('\n'),
      ]);
      break;
    }
    case 'empty line':
      bytes = Buffer.from(random.pick(['\n', ' \n', '\r\n', '\t\n']));
      break;
    case 'unbalanced':
      bytes = Buffer.from(`${'['.repeat(1 + random.int(2000))}\n`);
      break;
    default: {
      // Just above the limit: valid JSON, one frame, too large.
      const padding = context.maxFrameBytes + 1 + random.int(64);
      const frame = `{"jsonrpc":"2.0","id":1,"method":"hello","params":{"pad":"${'x'.repeat(padding)}"}}`;
      bytes = Buffer.from(`${frame}\n`);
      codes = [-32600];
    }
  }
  return {
    label: `garbage: ${kind}`,
    bytes,
    kind: 'fatal',
    effect: (held) => [held],
    check: (reply, held) =>
      reply.id === null && reply.error && codes.includes(reply.error.code)
        ? { held }
        : { problem: `expected an id-null error ${codes.join('/')}`, held },
  };
}

function isTunnelOpen(item: Item | undefined): boolean {
  return item?.bytes.includes('"method":"tunnel.open"') === true;
}

function helloItem(): Item {
  return {
    label: 'hello',
    bytes: line({ jsonrpc: '2.0', id: 0, method: 'hello', params: {} }),
    kind: 'request',
    effect: (held) => [held],
    check: (reply, held) =>
      reply.id === 0 && typeof reply.result?.session_id === 'string'
        ? { held }
        : { problem: 'expected a hello result', held },
  };
}

function controlCase(random: Random, context: FuzzContext): ControlCase {
  const items: Item[] = [];
  const count = 1 + random.int(8);
  let sequence = 1;
  for (let index = 0; index < count; index++) {
    if (random.chance(0.12)) {
      items.push(fatalItem(random, context, index === 0));
      break;
    }
    if (random.chance(0.03)) {
      items.push(byeItem(sequence++));
      break;
    }
    items.push(requestItem(random, context, sequence++));
  }
  // A connection whose first frame is tunnel.open is a tunnel (tunnelCase covers those): open with hello.
  if (isTunnelOpen(items[0])) items.unshift(helloItem());
  const ending = random.pick<Ending>([
    'half-close',
    'half-close',
    'tail',
    'read-then-reset',
    'reset',
    'destroy',
  ]);
  const tail =
    ending === 'tail'
      ? random.pick([
          Buffer.from('{"jsonrpc":"2.0","id":99,"method":"hel'),
          random.lineBytes(1 + random.int(200)),
        ])
      : undefined;
  return { kind: 'control', items, ending, tail };
}

function tunnelCase(random: Random): TunnelCase {
  const id = random.chance(0.2) ? undefined : random.pick<unknown>([1, 1, 'tunnel', 0, { a: [1] }]);
  const frame = (params: unknown) => {
    const value: Record<string, unknown> = { jsonrpc: '2.0', method: 'tunnel.open', params };
    if (id !== undefined) value.id = id;
    return line(value);
  };
  const payload = random.chance(0.2)
    ? Buffer.alloc(0)
    : random.bytes(1 + random.int(random.chance(0.2) ? 200_000 : 4000));
  const mode = random.pick(['echo', 'echo', 'refused', 'reset'] as const);
  if (mode === 'refused') {
    const [params, code, message] = random.pick<[unknown, number, RegExp]>([
      [{ capability: 'nope' }, -32000, /^unknown capability: 'nope'$/],
      [{ capability: 7 }, -32602, /^tunnel\.open: 'capability' must be a string$/],
      [{}, -32602, /^tunnel\.open: 'capability' must be a string$/],
      ['echo', -32602, /^tunnel\.open: 'capability' must be a string$/],
      [{ capability: 'dead' }, -32000, /^\[Errno \d+\] Connect call failed \('127\.0\.0\.1', 1\)$/],
    ]);
    return {
      kind: 'tunnel',
      label: `tunnel.open refused (${JSON.stringify(params)})`,
      preface: frame(params),
      id,
      mode,
      payload,
      refusal: { code, message },
    };
  }
  return {
    kind: 'tunnel',
    label: `tunnel.open echo, ${payload.length} bytes${mode === 'reset' ? ', then reset' : ''}`,
    preface: frame({ capability: 'echo', ...(random.chance(0.2) ? { extra: nested(100) } : {}) }),
    id,
    mode,
    payload,
  };
}

/** Case `index` of the fuzz run seeded with `seed`. */
export function generateCase(
  seed: number,
  index: number,
  context: FuzzContext,
): { fuzzCase: FuzzCase; random: Random } {
  const random = caseRandom(seed, index);
  const fuzzCase = random.chance(0.15) ? tunnelCase(random) : controlCase(random, context);
  return { fuzzCase, random };
}

/** One line describing a case, for failure messages. */
export function describeCase(fuzzCase: FuzzCase): string {
  if (fuzzCase.kind === 'tunnel') return fuzzCase.label;
  return `[${fuzzCase.items.map((item) => item.label).join(' | ')}] then ${fuzzCase.ending}`;
}

/** Parses a reply line; returns a problem when it is not a well-formed JSON-RPC reply. */
export function parseReply(text: string): { reply?: Reply; problem?: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: `reply is not JSON: ${text.slice(0, 120)}` };
  }
  if (!isObject(value) || value.jsonrpc !== '2.0' || !('id' in value)) {
    return { problem: `not a JSON-RPC reply: ${text.slice(0, 120)}` };
  }
  if (/[^ -~]/.test(text)) return { problem: 'reply is not printable ASCII (ensure_ascii)' };
  const keys = Object.keys(value).sort().join(',');
  if (keys === 'id,jsonrpc,result' && isObject(value.result)) {
    return { reply: { id: value.id, result: value.result } };
  }
  const error = value.error;
  if (
    keys === 'error,id,jsonrpc' &&
    isObject(error) &&
    Number.isInteger(error.code) &&
    typeof error.message === 'string' &&
    Object.keys(error).length === 2
  ) {
    return {
      reply: { id: value.id, error: { code: error.code as number, message: error.message } },
    };
  }
  return { problem: `malformed reply: ${text.slice(0, 120)}` };
}
