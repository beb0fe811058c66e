import type { Deviation } from './support/replay.js';

/**
 * Where our server deliberately answers differently from hud-python 0.6.16 in the recorded raw
 * transcripts. Each entry: the recorded reply (ports normalised; `null` = Python closed without a reply),
 * ours, and why. The replay test fails if an entry stops applying, so the list cannot go stale.
 *
 * Summary of the deviations (everything else in the 20 raw transcripts matches byte for byte):
 * 1. Args that cannot be coerced to the declared type are refused at `tasks.start` (-32602) instead of being
 *    passed through raw and failing later at grade time (spec §12.5).
 * 2. An exception inside a template before its first yield is reported as -32000 with its message; Python
 *    reports a `KeyError` there as `unknown task` (spec §12.4).
 * 3. Malformed input (not JSON, not an object, an empty line, an over-limit line) gets one error frame
 *    (-32700 / -32600, id null) naming the problem before the close; Python closes silently.
 * 4. `hello` with non-object params is -32602 with a plain message, not Python's AttributeError text.
 * 5. `tunnel.open` for an unknown capability says `unknown capability: 'x'` without the extra double
 *    quotes Python's `str(KeyError)` adds.
 */
const FRAME_NOT_JSON = (preview: string) =>
  new RegExp(
    `^\\{"jsonrpc":"2\\.0","id":null,"error":\\{"code":-32700,"message":"frame is not valid JSON \\(.*\\): ${preview}"\\}\\}$`,
  );
const NOT_AN_OBJECT = (kind: string) =>
  `{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"invalid request: a frame must be a JSON object, got ${kind}"}}`;
const STRICT_ARGS =
  'un-coercible args are refused at tasks.start instead of passed through raw to fail later (spec §12.5)';
const NO_TASK =
  '{"jsonrpc":"2.0","id":%ID%,"error":{"code":-32600,"message":"no task in progress"}}';
const MALFORMED =
  'malformed input gets an error frame naming the problem before the close (Python: silent close)';

export const RAW_DEVIATIONS: Deviation[] = [
  {
    scenario: 'raw_05_tasks_start_wrong_type',
    recorded:
      '{"jsonrpc":"2.0","id":4,"result":{"prompt":"What is x + 0?","bindings":{"echo":{"hint":"episode-scoped data, keyed like manifest bindings"}}}}',
    ours: '{"jsonrpc":"2.0","id":4,"error":{"code":-32602,"message":"task \'add\': bad args: a: Invalid input: expected number, received string"}}',
    reason: STRICT_ARGS,
  },
  {
    scenario: 'raw_05_tasks_start_wrong_type',
    recorded:
      '{"jsonrpc":"2.0","id":5,"error":{"code":-32000,"message":"can only concatenate str (not \\"int\\") to str"}}',
    ours: NO_TASK.replace('%ID%', '5'),
    reason:
      'consequence of the strict start above: nothing was started, so there is nothing to grade',
  },
  {
    scenario: 'raw_05_tasks_start_wrong_type',
    recorded:
      '{"jsonrpc":"2.0","id":6,"result":{"prompt":"What is 2.5 + 1?","bindings":{"echo":{"hint":"episode-scoped data, keyed like manifest bindings"}}}}',
    ours: '{"jsonrpc":"2.0","id":6,"error":{"code":-32602,"message":"task \'add\': bad args: a: Invalid input: expected int, received number"}}',
    reason: `${STRICT_ARGS}; 2.5 is not an int (true for b is still coerced to 1, as pydantic does)`,
  },
  {
    scenario: 'raw_05_tasks_start_wrong_type',
    recorded:
      '{"jsonrpc":"2.0","id":8,"result":{"prompt":"How many times does the letter 5 appear in \'banana\'? Answer with just the number."}}',
    ours: '{"jsonrpc":"2.0","id":8,"error":{"code":-32602,"message":"task \'count\': bad args: letter: Invalid input: expected string, received number"}}',
    reason: STRICT_ARGS,
  },
  {
    scenario: 'raw_05_tasks_start_wrong_type',
    recorded: '{"jsonrpc":"2.0","id":9,"error":{"code":-32000,"message":"must be str, not int"}}',
    ours: NO_TASK.replace('%ID%', '9'),
    reason:
      'consequence of the strict start above: nothing was started, so there is nothing to grade',
  },
  {
    scenario: 'raw_06_tasks_start_unknown_task',
    recorded: '{"jsonrpc":"2.0","id":5,"error":{"code":-32602,"message":"unknown task: \'boom\'"}}',
    ours: '{"jsonrpc":"2.0","id":5,"error":{"code":-32000,"message":"\'inner-key\'"}}',
    reason:
      'an error inside a template is -32000 with its message; Python misreports a KeyError as unknown task',
  },
  ...[
    FRAME_NOT_JSON('\\\\"\\{this is not json\\\\"'),
    FRAME_NOT_JSON('\\\\"\\{oops\\\\"'),
    NOT_AN_OBJECT('an array'),
    NOT_AN_OBJECT('string'),
    NOT_AN_OBJECT('null'),
    FRAME_NOT_JSON('\\\\"\\\\"'),
  ].map((ours) => ({ scenario: 'raw_15_malformed_json', recorded: null, ours, reason: MALFORMED })),
  {
    scenario: 'raw_15_malformed_json',
    recorded:
      '{"jsonrpc":"2.0","id":2,"error":{"code":-32000,"message":"\'list\' object has no attribute \'get\'"}}',
    ours: '{"jsonrpc":"2.0","id":2,"error":{"code":-32602,"message":"hello: \'params\' must be an object"}}',
    reason:
      "hello with non-object params is -32602 with a plain message, not Python's AttributeError text",
  },
  {
    scenario: 'raw_18_tunnel_errors',
    recorded:
      '{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"\\"unknown capability: \'nope\'\\""}}',
    ours: '{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"unknown capability: \'nope\'"}}',
    reason: "no stray quotes from Python's str(KeyError) in the message",
  },
  {
    scenario: 'raw_19_frame_size',
    recorded: null,
    ours: '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"frame exceeds the limit of 65536 bytes (at least 65537 bytes before the newline)"}}',
    reason: `${MALFORMED}; replayed with --max-frame-bytes 65536 (our default limit is 64 MiB)`,
  },
];
