/**
 * The baseline: the cheapest NDJSON JSON-RPC responder that answers the benchmark's frames — split lines,
 * JSON.parse each, write a canned reply line with the request's id. No sessions, no tasks. What this
 * machine and client allow; our server is measured as a fraction of it.
 */
import net from 'node:net';
import { serveStats } from '../lib/child-ipc.ts';

const CANNED: Record<string, string> = {
  hello:
    '{"session_id":"sess-00000000","env":{"name":"conformance","version":"0.1.0"},"bindings":[]}',
  'tasks.start':
    '{"prompt":"How many times does the letter \'a\' appear in \'banana\'? Answer with just the number."}',
  'tasks.grade': '{"score":1.0}',
};

const server = net.createServer({ noDelay: true }, (socket) => {
  let pending = '';
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    let newline = pending.indexOf('\n');
    if (newline === -1) return;
    let replies = '';
    let start = 0;
    while (newline !== -1) {
      const request = JSON.parse(pending.slice(start, newline)) as {
        id?: unknown;
        method?: string;
      };
      const result = CANNED[request.method ?? ''] ?? '{}';
      replies += `{"jsonrpc":"2.0","id":${JSON.stringify(request.id)},"result":${result}}\n`;
      start = newline + 1;
      newline = pending.indexOf('\n', start);
    }
    pending = pending.slice(start);
    socket.write(replies);
  });
});

server.listen(0, '127.0.0.1', () => {
  serveStats({ control: (server.address() as net.AddressInfo).port });
});
