// A dependency-free control-channel server for the Docker runtime's tests (NDJSON JSON-RPC, the subset of
// the hud wire the runtime touches: hello, tasks.list/start/grade/cancel, bye). FIXTURE_MODE selects a fault:
// `exit` (log a line, exit 3 at once), `late-exit` (serve, exit 4 after 1 s), `silent` (never listen),
// `late-announce` (listen at once, print HUD_SERVE_PORT= 300 ms later; tasks.start's prompt then says how
// many hellos came before that line).
import { createServer } from 'node:net';

const mode = process.env.FIXTURE_MODE ?? 'serve';
const port = Number(process.env.PORT ?? 8765);
console.log(`echo-env: mode=${mode}`);
if (mode === 'exit') {
  console.error('echo-env: refusing to serve (FIXTURE_MODE=exit)');
  process.exit(3);
}
if (mode === 'silent') setInterval(() => {}, 1 << 30);
else {
  if (mode === 'late-exit') setTimeout(() => process.exit(4), 1000);
  let sessions = 0;
  let announced = false;
  let early = 0;
  const reply = (socket, id, result) =>
    socket.write(`${JSON.stringify({ jsonrpc: '2.0', id, result })}\n`);
  createServer((socket) => {
    let buffer = '';
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      buffer += chunk;
      let newline = buffer.indexOf('\n');
      while (newline !== -1) {
        const frame = JSON.parse(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
        const { id, method, params } = frame;
        if (method === 'hello' && !announced) early++;
        if (method === 'hello')
          reply(socket, id, {
            session_id: `s${++sessions}`,
            env: { name: process.env.ENV_NAME ?? 'echo', version: '1.0.0' },
            bindings: [],
          });
        else if (method === 'tasks.list')
          reply(socket, id, { tasks: [{ id: 'echo', description: 'echo the word', args: {} }] });
        else if (method === 'tasks.start')
          reply(socket, id, {
            prompt:
              mode === 'late-announce'
                ? `say hello (hellos before the announcement: ${early})`
                : `say ${params?.args?.word ?? 'hello'}`,
          });
        else if (method === 'tasks.grade')
          reply(socket, id, { score: params?.answer === (params?.expected ?? 'hello') ? 1.0 : 0.0 });
        else if (method === 'tasks.cancel') reply(socket, id, { cancelled: true });
        else if (method === 'bye') {
          reply(socket, id, { goodbye: true });
          socket.end();
        } else
          socket.write(
            `${JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32601, message: 'method not found' } })}\n`,
          );
      }
    });
  }).listen(port, '0.0.0.0', () => {
    const announce = () => {
      announced = true;
      console.log(`HUD_SERVE_PORT=${port}`);
    };
    if (mode === 'late-announce') setTimeout(announce, 300);
    else announce();
  });
}
